// cuFFT kernels against FFTW on the same inputs: rfft / irfft (odd and even n up
// to 4096), circular and causal fft_conv forward and backward for T = 1, 7, 130,
// 1024, 4096. The causal forward is checked for exact causality too: perturbing
// token t leaves outputs before t bitwise unchanged. Tolerance relative to max
// |ref|: f32 2e-5 · log2(n)+, f64 1e-12.
#include <doctest/doctest.h>

#include <cmath>

#include "cuda_util.h"

using namespace weft;
using namespace weft::cuda_test;

namespace {

double tol_for(DType dt, int64_t n) {
  const double lg = std::log2(static_cast<double>(std::max<int64_t>(n, 2)));
  return dt == DType::f32 ? 2e-6 * lg * 4 : 1e-13 * lg * 4;
}

}  // namespace

TEST_SUITE("cuda_fft") {
  TEST_CASE("rfft and irfft") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t n : {1, 2, 7, 130, 1024, 4095, 4096}) {
        CAPTURE(n);
        const int64_t F = n / 2 + 1;
        Tensor x = randn({3, n}, 1, dt);
        Tensor sc = Tensor::empty({3, F, 2}, dt), sg = Tensor::empty({3, F, 2}, dt, dev());
        cpu().rfft(x, sc);
        Tensor gx = on_gpu(x);
        gpu().rfft(gx, sg);
        check_close(sg, sc, tol_for(dt, n), "rfft");
        check_close(gx, x, 0.0, "rfft leaves x intact");
        Tensor bc = Tensor::empty({3, n}, dt), bg = Tensor::empty({3, n}, dt, dev());
        cpu().irfft(sc, n, bc);
        gpu().irfft(sg, n, bg);
        check_close(bg, bc, tol_for(dt, n), "irfft");
        check_close(bg, x, tol_for(dt, n), "irfft inverts rfft");
      }
  }

  TEST_CASE("fft_conv circular and causal, forward and backward") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t T : {1, 7, 130, 1024, 4096})
        for (bool causal : {false, true}) {
          CAPTURE(T);
          CAPTURE(causal);
          const int64_t R = T >= 1024 ? 2 : 6, D = T >= 1024 ? 8 : 5;
          Tensor a = randn({R, T}, 2, dt), v = randn({R, T, D}, 3, dt), go = randn({R, T, D}, 4, dt);
          Tensor ga = on_gpu(a), gvv = on_gpu(v);
          Tensor oc = empty_like(v, Device::cpu()), og = empty_like(v, dev());
          cpu().fft_conv(a, v, causal, oc);
          gpu().fft_conv(ga, gvv, causal, og);
          const double tol = tol_for(dt, 2 * T) * (causal ? 1.0 : 1.0);
          check_close(og, oc, tol, "fft_conv");
          Tensor dac = empty_like(a, Device::cpu()), dag = empty_like(a, dev());
          Tensor dvc = empty_like(v, Device::cpu()), dvg = empty_like(v, dev());
          cpu().fft_conv_backward(a, v, go, causal, dac, dvc);
          gpu().fft_conv_backward(ga, gvv, on_gpu(go), causal, dag, dvg);
          check_close(dag, dac, tol, "fft_conv ga");
          check_close(dvg, dvc, tol, "fft_conv gv");
        }
  }

  TEST_CASE("causal fft_conv on cuda is exactly causal") {
    const int64_t T = 130, D = 4, t0 = 77;
    Tensor a = randn({1, T}, 5), v = randn({1, T, D}, 6);
    Tensor o1 = Tensor::empty({1, T, D}, DType::f32, dev()), o2 = Tensor::empty({1, T, D}, DType::f32, dev());
    gpu().fft_conv(on_gpu(a), on_gpu(v), true, o1);
    auto av = a.to_vector<float>();
    auto vv = v.to_vector<float>();
    av[t0] += 1.0f;
    for (int64_t d = 0; d < D; ++d) vv[t0 * D + d] -= 2.0f;
    gpu().fft_conv(Tensor::from_vector(av, {1, T}, dev()), Tensor::from_vector(vv, {1, T, D}, dev()), true, o2);
    auto r1 = o1.to_vector<float>(), r2 = o2.to_vector<float>();
    bool past_same = true, future_moved = false;
    for (int64_t i = 0; i < T; ++i)
      for (int64_t d = 0; d < D; ++d) {
        const bool same = r1[i * D + d] == r2[i * D + d];
        if (i < t0) past_same = past_same && same;
        if (i >= t0) future_moved = future_moved || !same;
      }
    CHECK(past_same);
    CHECK(future_moved);
  }
}
