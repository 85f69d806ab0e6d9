// CPU optimizer kernels: the fused AdamW update and the f64 sum of squares used
// by global-norm clipping. Per-thread partial sums are added in thread order,
// so results are fixed for a fixed thread count.
#include <omp.h>

#include <cmath>
#include <vector>

#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

void CpuBackend::adamw_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWStep& s) {
  require_contiguous(param, "adamw_update", "param");
  require_contiguous(grad, "adamw_update", "grad");
  require_contiguous(m, "adamw_update", "m");
  require_contiguous(v, "adamw_update", "v");
  dispatch_floating(param.dtype(), "adamw_update", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* mm = m.data<T>();
    T* vv = v.data<T>();
    const int64_t n = param.numel();
    const T lr = static_cast<T>(s.lr), b1 = static_cast<T>(s.beta1), b2 = static_cast<T>(s.beta2);
    const T eps = static_cast<T>(s.eps), wd = static_cast<T>(s.weight_decay), gs = static_cast<T>(s.grad_scale);
    const T inv_bc1 = static_cast<T>(1.0 / s.bias_correction1);
    const T inv_sqrt_bc2 = static_cast<T>(1.0 / std::sqrt(s.bias_correction2));
#pragma omp parallel for simd schedule(static) if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      const T gi = g[i] * gs;
      const T mi = b1 * mm[i] + (T(1) - b1) * gi;
      const T vi = b2 * vv[i] + (T(1) - b2) * gi * gi;
      mm[i] = mi;
      vv[i] = vi;
      p[i] -= lr * ((mi * inv_bc1) / (std::sqrt(vi) * inv_sqrt_bc2 + eps) + wd * p[i]);
    }
  });
}

void CpuBackend::sum_of_squares(const Tensor& x, Tensor& acc) {
  require_contiguous(x, "sum_of_squares", "x");
  WEFT_CHECK(acc.dtype() == DType::f64 && acc.numel() == 1, DTypeError,
             "sum_of_squares: the accumulator must be an f64 scalar, got ", acc.describe());
  acc.data<double>()[0] += dispatch_floating(x.dtype(), "sum_of_squares", [&](auto tag) -> double {
    using T = decltype(tag);
    const T* xi = x.data<T>();
    const int64_t n = x.numel();
    const int nt = n > kParallelGrain ? omp_get_max_threads() : 1;
    std::vector<double> part(static_cast<size_t>(nt), 0.0);
#pragma omp parallel num_threads(nt)
    {
      int64_t b, e;
      thread_range(n, b, e);
      double sum = 0;
      for (int64_t i = b; i < e; ++i) sum += static_cast<double>(xi[i]) * static_cast<double>(xi[i]);
      part[static_cast<size_t>(omp_get_thread_num())] = sum;
    }
    double total = 0;
    for (double p : part) total += p;
    return total;
  });
}

}  // namespace weft::cpu
