// weft_gemm_peak: the dense GEMM peak of CUDA device 0 through weft's own cuBLAS
// path (Backend::gemm), best of a few timed rounds: bf16 tensors (f32 accumulation),
// f32 tensors with bf16 inputs (train.precision: bf16, what training runs), and f32
// (no TF32) — the denominators of MFU. Prints one JSON line.
// Usage: weft_gemm_peak [n=8192]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "weft/backend/dispatch.h"
#include "weft/core/tensor.h"

using namespace weft;

namespace {

// Waits for the device: a one-element device→host copy is stream-ordered and synchronous.
void sync(const Tensor& t) { (void)Tensor::make_view(t, {1}, {1}, 0).to(Device::cpu()); }

double tflops(DType dt, MatmulPrecision prec, int64_t n) {
  const Device dev = Device::cuda(0);
  Generator g(1);
  Tensor a = Tensor::normal({n, n}, 0, 1, DType::f32, &g, dev).to(dt);
  Tensor b = Tensor::normal({n, n}, 0, 1, DType::f32, &g, dev).to(dt);
  Tensor c = Tensor::empty({n, n}, dt, dev);
  Backend& be = backend_for(dev);
  for (int i = 0; i < 3; ++i) be.gemm(a, b, c, 1.0, 0.0, prec);  // warm-up (cuBLAS heuristics, clocks)
  sync(c);
  double best = 1e30;
  const int reps = 10;
  for (int round = 0; round < 5; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) be.gemm(a, b, c, 1.0, 0.0, prec);
    sync(c);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps);
  }
  return 2.0 * double(n) * double(n) * double(n) / best / 1e12;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 8192;
  std::string why;
  if (cuda_device_count(why) == 0) {
    std::cerr << "weft_gemm_peak: no usable CUDA device: " << why << "\n";
    return 2;
  }
  try {
    const double bf16 = tflops(DType::bf16, MatmulPrecision::f32, n);
    const double mixed = tflops(DType::f32, MatmulPrecision::bf16, n);
    const double f32 = tflops(DType::f32, MatmulPrecision::f32, n);
    std::printf("{\"n\": %lld, \"bf16_tflops\": %.1f, \"f32_bf16_inputs_tflops\": %.1f, \"f32_tflops\": %.1f}\n",
                static_cast<long long>(n), bf16, mixed, f32);
  } catch (const std::exception& e) {
    std::cerr << "weft_gemm_peak: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
