// CUDA optimizer kernels: the fused AdamW update (the CPU's formula, element by
// element) and the f64 sum of squares of global-norm clipping, reduced over a
// fixed grid and a fixed tree so the result does not depend on the GPU's size.
#include <cmath>

#include "common.cuh"

namespace weft::cuda {

namespace {

constexpr int kSsqBlocks = 256;

template <typename T>
__global__ void adamw_kernel(T* p, const T* g, T* mm, T* vv, int64_t n, T lr, T b1, T b2, T eps, T wd, T gs,
                             T inv_bc1, T inv_sqrt_bc2) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const T gi = g[i] * gs;
    const T mi = b1 * mm[i] + (T(1) - b1) * gi;
    const T vi = b2 * vv[i] + (T(1) - b2) * gi * gi;
    mm[i] = mi;
    vv[i] = vi;
    p[i] -= lr * ((mi * inv_bc1) / (sqrt(vi) * inv_sqrt_bc2 + eps) + wd * p[i]);
  }
}

template <typename T>
__global__ void ssq_partial_kernel(const T* x, int64_t n, double* part) {
  __shared__ double scratch[32];
  double acc = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const double v = static_cast<double>(x[i]);
    acc += v * v;
  }
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

__global__ void ssq_final_kernel(const double* part, double* out) {
  __shared__ double scratch[32];
  double v = block_sum(part[threadIdx.x], scratch);
  if (threadIdx.x == 0) out[0] += v;  // the accumulator: one host read per global norm
}

}  // namespace

void CudaBackend::adamw_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWStep& s) {
  require_contiguous(param, "adamw_update", "param");
  require_contiguous(grad, "adamw_update", "grad");
  require_contiguous(m, "adamw_update", "m");
  require_contiguous(v, "adamw_update", "v");
  cudaStream_t st = stream();
  dispatch_floating(param.dtype(), "adamw_update", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = param.numel();
    if (n == 0) return;
    adamw_kernel<T><<<grid_for(n), kThreads, 0, st>>>(
        dptr<T>(param), dptr<T>(grad), dptr<T>(m), dptr<T>(v), n, static_cast<T>(s.lr), static_cast<T>(s.beta1),
        static_cast<T>(s.beta2), static_cast<T>(s.eps), static_cast<T>(s.weight_decay), static_cast<T>(s.grad_scale),
        static_cast<T>(1.0 / s.bias_correction1), static_cast<T>(1.0 / std::sqrt(s.bias_correction2)));
    launch_check("adamw_update");
  });
}

void CudaBackend::sum_of_squares(const Tensor& x, Tensor& acc) {
  require_contiguous(x, "sum_of_squares", "x");
  WEFT_CHECK(acc.dtype() == DType::f64 && acc.numel() == 1 && acc.device() == device(), DTypeError,
             "sum_of_squares: the accumulator must be an f64 scalar on ", device().str(), ", got ", acc.describe());
  cudaStream_t st = stream();
  dispatch_floating(x.dtype(), "sum_of_squares", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = x.numel();
    if (n == 0) return;
    Tensor part = Tensor::empty({kSsqBlocks}, DType::f64, device());
    double* pp = dptr<double>(part);
    ssq_partial_kernel<T><<<kSsqBlocks, kThreads, 0, st>>>(dptr<T>(x), n, pp);
    launch_check("sum_of_squares");
    static_assert(kSsqBlocks % 32 == 0 && kSsqBlocks <= 1024);
    ssq_final_kernel<<<1, kSsqBlocks, 0, st>>>(pp, dptr<double>(acc));
    launch_check("sum_of_squares");
  });
}

}  // namespace weft::cuda
