// CUDA memory kernels against the CPU: transfers, fill, converting and strided
// copies, random draws (uniforms and dropout masks bit-identical to the CPU's for
// the same Philox state), the caching allocator's steady state, host-access errors.
#include <doctest/doctest.h>

#include "cuda_util.h"

using namespace weft;
using namespace weft::cuda_test;

TEST_SUITE("cuda_memory") {
  TEST_CASE("host -> device -> host round trips every storage dtype bit for bit") {
    for (DType dt : {DType::f32, DType::f64, DType::i32, DType::i64}) {
      Tensor h = randn({7, 130}, 1, DType::f64).to(dt);
      Tensor back = h.to(dev()).to(Device::cpu());
      CHECK(back.device().is_cpu());
      CHECK(bitwise_equal(h.to(dev()), back));
      CHECK(bitwise_equal(h.to(dev()), h));
    }
    // bf16 lives on the device only: f32 → bf16 → f32 rounds to 8 mantissa bits.
    Tensor h = randn({130}, 2);
    Tensor r = h.to(dev()).to(DType::bf16).to(DType::f32);
    check_close(r, h, 1.0 / 128, "bf16 round trip");
  }

  TEST_CASE("fill and converting, strided copies match the CPU") {
    Tensor t = Tensor::empty({3, 7}, DType::f32, dev());
    gpu().fill(t, 2.5);
    check_close(t, Tensor::full({3, 7}, 2.5), 0.0, "fill");
    Tensor base = randn({7, 130}, 3, DType::f64);
    Tensor view = Tensor::make_view(base, {130, 7}, {1, 130}, 0);  // transposed
    Tensor gbase = on_gpu(base);
    Tensor gview = gpu_view(gbase, view);
    for (DType dt : {DType::f32, DType::f64, DType::i64}) {
      Tensor out_c = Tensor::empty({130, 7}, dt), out_g = Tensor::empty({130, 7}, dt, dev());
      cpu().copy(view, out_c);
      gpu().copy(gview, out_g);
      CHECK(bitwise_equal(out_g, out_c));
    }
    // Host strided source into a device tensor, and device into a host strided view.
    Tensor dst = Tensor::empty({130, 7}, DType::f64, dev());
    gpu().copy(view, dst);
    CHECK(bitwise_equal(dst, view.clone()));
    Tensor host_base = Tensor::zeros({7, 130}, DType::f64);
    Tensor host_view = Tensor::make_view(host_base, {130, 7}, {1, 130}, 0);
    gpu().copy(dst, host_view);
    CHECK(bitwise_equal(on_gpu(host_base), base));
  }

  TEST_CASE("random: uniform and bernoulli bit-identical to the CPU, normal within 1e-6") {
    const PhiloxState st{1234, 77};
    for (DType dt : {DType::f32, DType::f64}) {
      for (int64_t n : {1, 7, 130, 4099}) {
        Tensor c = Tensor::empty({n}, dt), g = Tensor::empty({n}, dt, dev());
        cpu().random(c, RandomKind::uniform, -2, 3, st);
        gpu().random(g, RandomKind::uniform, -2, 3, st);
        CHECK(bitwise_equal(g, c));
        cpu().random(c, RandomKind::bernoulli, 0.3, 0, st);
        gpu().random(g, RandomKind::bernoulli, 0.3, 0, st);
        CHECK(bitwise_equal(g, c));
        // Box-Muller's log/cos differ in the last ulp between libm and the CUDA library.
        cpu().random(c, RandomKind::normal, 1, 2, st);
        gpu().random(g, RandomKind::normal, 1, 2, st);
        check_close(g, c, 1e-6, "normal");
      }
    }
  }

  TEST_CASE("dropout masks are bit-identical to the CPU's") {
    const PhiloxState st{99, 5};
    for (double p : {0.1, 0.5}) {
      Tensor x = randn({7, 130}, 4);
      Tensor c = empty_like(x, Device::cpu()), g = empty_like(x, dev());
      cpu().dropout(x, p, st, c);
      gpu().dropout(on_gpu(x), p, st, g);
      CHECK(bitwise_equal(g, c));
    }
  }

  TEST_CASE("caching allocator: a steady-state loop makes no system allocations") {
    Allocator& a = gpu().allocator();
    auto step = [] {
      Tensor x = Tensor::empty({1024, 130}, DType::f32, dev()), y = Tensor::empty({7}, DType::f64, dev());
      backend_for(dev()).fill(x, 1.0);
    };
    step();
    const AllocatorStats s0 = a.stats();
    for (int i = 0; i < 5; ++i) step();
    const AllocatorStats s1 = a.stats();
    CHECK(s1.system_allocs == s0.system_allocs);
    CHECK(s1.requests > s0.requests);
    CHECK(s1.peak_bytes_in_use >= 1024 * 130 * 4);
  }

  TEST_CASE("host access to a device tensor is an error, not a wild pointer") {
    Tensor g = Tensor::full({1}, 4.0, DType::f32, dev());
    CHECK_THROWS_AS((void)g.data<float>(), DeviceError);
    CHECK(g.item() == 4.0);  // reading through .to(cpu) is fine
  }
}
