// The CPU sum over leading dims (bias gradients) has its own contiguous,
// column-blocked path; it must give bit-for-bit the sums of the general strided
// path, which a non-contiguous view of the same values takes, and the exact
// column sums of small integers.
#include <doctest/doctest.h>

#include <cstring>

#include "weft/core/rng.h"
#include "weft/core/tensor.h"
#include "weft/ops/ops.h"

namespace {

using weft::DType;
using weft::Tensor;

// The same values as x, laid out transposed in memory (so not contiguous).
Tensor strided_copy(const Tensor& x) {
  return weft::transpose(weft::contiguous(weft::transpose(x, 0, x.dim() - 1)), 0, x.dim() - 1);
}

void check_bitwise(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  REQUIRE(a.dtype() == b.dtype());
  CHECK(std::memcmp(a.raw_data(), b.raw_data(), static_cast<size_t>(a.numel()) * weft::dtype_size(a.dtype())) == 0);
}

TEST_SUITE("reduce_kernel") {
  TEST_CASE("sum over leading dims equals the general path bit for bit") {
    weft::Generator g(11);
    for (DType dt : {DType::f32, DType::f64}) {
      for (auto shape : {weft::Shape{257, 130}, weft::Shape{3, 5, 65}, weft::Shape{1000, 64}, weft::Shape{2, 3}}) {
        CAPTURE(shape.size());
        Tensor x = Tensor::normal(shape, 0.0, 1.0, dt, &g);
        Tensor y = strided_copy(x);
        REQUIRE_FALSE(y.is_contiguous());
        weft::Dims lead;
        for (int d = 0; d + 1 < static_cast<int>(shape.size()); ++d) lead.push_back(d);
        check_bitwise(weft::sum(x, lead), weft::contiguous(weft::sum(y, lead)));
      }
    }
  }

  TEST_CASE("sum over leading dims of small integers is exact") {
    const int64_t R = 300, C = 150;  // > one 64-column block, enough elements to run in parallel
    Tensor x = Tensor::empty({R, C}, DType::f32);
    float* p = x.data<float>();
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C; ++c) p[r * C + c] = static_cast<float>((r + 2 * c) % 7);
    Tensor s = weft::sum(x, {0});
    for (int64_t c = 0; c < C; ++c) {
      double want = 0;
      for (int64_t r = 0; r < R; ++r) want += static_cast<double>((r + 2 * c) % 7);
      CHECK(static_cast<double>(s.data<float>()[c]) == want);
    }
  }
}

}  // namespace
