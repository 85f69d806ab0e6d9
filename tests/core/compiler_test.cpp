// The compiler under this build's flags: constant initialisers come out as
// written. GCC 12 with AVX-512 (-march=native on an AVX-512 machine, or
// x86-64-v4) stored {1.5, 1.5, 0, 0} as four 1.5s through its SLP vectoriser;
// CMakeLists.txt probes for that and turns SLP off. This test fails if a build
// ever loses that guard.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

// Out of line, so the values are read from memory as the store left them.
__attribute__((noinline)) std::vector<double> as_doubles(const std::vector<double>& v) { return v; }
__attribute__((noinline)) std::vector<int64_t> as_ints(const std::vector<int64_t>& v) { return v; }
__attribute__((noinline)) std::vector<float> as_floats(const std::vector<float>& v) { return v; }

}  // namespace

TEST_SUITE("core_compiler") {
  TEST_CASE("constant initialisers with repeated values then zeros keep their zeros") {
    const std::vector<double> d = {1.5, 1.5, 0.0, 0.0};
    CHECK(as_doubles(d) == std::vector<double>{1.5, 1.5, 0.0, 0.0});
    CHECK(d[2] == 0.0);
    CHECK(d[3] == 0.0);
    const std::vector<int64_t> l = {7, 7, 0, 0};
    CHECK(as_ints(l)[2] == 0);
    CHECK(as_ints(l)[3] == 0);
    const std::vector<float> f = {2.5f, 2.5f, 2.5f, 2.5f, 0.f, 0.f, 0.f, 0.f};
    const std::vector<float> got = as_floats(f);
    for (std::size_t i = 4; i < 8; ++i) CHECK(got[i] == 0.0f);
  }
}
