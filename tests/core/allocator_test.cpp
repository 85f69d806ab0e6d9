#include <doctest/doctest.h>

#include <cstdint>

#include "../support/test_util.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("core") {
  TEST_CASE("allocations are 64-byte aligned and cached") {
    Tensor t = Tensor::empty({3}, DType::f32);
    CHECK(reinterpret_cast<uintptr_t>(t.raw_data()) % 64 == 0);
    CHECK(CachingHostAllocator::round_size(1) == 64);
    CHECK(CachingHostAllocator::round_size(5000) >= 5000);
    CHECK(CachingHostAllocator::round_size(5000) <= 5000 * 9 / 8 + 64);
  }

  TEST_CASE("a steady-state training-like step never reaches the system allocator") {
    Tensor w = test::randn({16, 16}, 1, DType::f32).set_requires_grad(true);
    Tensor g = test::randn({16}, 2, DType::f32).set_requires_grad(true);
    Tensor x = test::randn({4, 8, 16}, 3, DType::f32);
    auto step = [&] {
      Tensor h = gelu(matmul(layer_norm(x, g, Tensor()), w));
      Tensor loss = mean(mul(h, h));
      loss.backward();
      w.zero_grad();
      g.zero_grad();
    };
    step();
    step();
    const uint64_t before = host_allocator().stats().system_allocs;
    for (int i = 0; i < 5; ++i) step();
    CHECK(host_allocator().stats().system_allocs == before);
    CHECK(host_allocator().stats().requests > 0);
  }
}
