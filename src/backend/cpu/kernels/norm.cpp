// CPU fused layer_norm and rms_norm, forward and backward, over the last dim.
// Parameter gradients are reduced per thread into fixed row ranges, then summed
// in thread order: deterministic for a fixed thread count.
#include <omp.h>

#include <cmath>
#include <vector>

#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

void CpuBackend::layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, Tensor& y,
                            Tensor& mean, Tensor& rstd) {
  require_contiguous(x, "layer_norm", "x");
  dispatch_floating(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    const T* xi = x.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const T* b = bias.defined() ? bias.data<T>() : nullptr;
    T* yo = y.data<T>();
    T* mo = mean.data<T>();
    T* ro = rstd.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const T* xr = xi + r * C;
      T* yr = yo + r * C;
      T s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t j = 0; j < C; ++j) s += xr[j];
      const T mu = s / static_cast<T>(C);
      T v = 0;
#pragma omp simd reduction(+ : v)
      for (int64_t j = 0; j < C; ++j) v += (xr[j] - mu) * (xr[j] - mu);
      const T rs = T(1) / std::sqrt(v / static_cast<T>(C) + static_cast<T>(eps));
      mo[r] = mu;
      ro[r] = rs;
      if (w && b) {
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) yr[j] = (xr[j] - mu) * rs * w[j] + b[j];
      } else if (w) {
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) yr[j] = (xr[j] - mu) * rs * w[j];
      } else {
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) yr[j] = (xr[j] - mu) * rs;
      }
    }
  });
}

void CpuBackend::layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                                     const Tensor& gy, Tensor& gx, Tensor& gweight, Tensor& gbias) {
  require_contiguous(gy, "layer_norm_backward", "gy");
  dispatch_floating(x.dtype(), "layer_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    const T* xi = x.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const T* mi = mean.data<T>();
    const T* ri = rstd.data<T>();
    const T* gi = gy.data<T>();
    T* go = gx.data<T>();
    const bool want_w = gweight.defined(), want_b = gbias.defined();
    const int nt = (x.numel() > kParallelGrain) ? omp_get_max_threads() : 1;
    std::vector<T> part(static_cast<size_t>(nt) * 2 * C, T(0));
#pragma omp parallel num_threads(nt)
    {
      int64_t rb, re;
      thread_range(R, rb, re);
      T* pw = part.data() + static_cast<size_t>(omp_get_thread_num()) * 2 * C;
      T* pb = pw + C;
      for (int64_t r = rb; r < re; ++r) {
        const T* xr = xi + r * C;
        const T* gr = gi + r * C;
        T* o = go + r * C;
        const T mu = mi[r], rs = ri[r];
        // gx = rs · (g·w − mean(g·w) − x̂ · mean(g·w·x̂))
        T s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
        for (int64_t j = 0; j < C; ++j) {
          const T gw = w ? gr[j] * w[j] : gr[j];
          const T xh = (xr[j] - mu) * rs;
          s1 += gw;
          s2 += gw * xh;
        }
        s1 /= static_cast<T>(C);
        s2 /= static_cast<T>(C);
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) {
          const T gw = w ? gr[j] * w[j] : gr[j];
          const T xh = (xr[j] - mu) * rs;
          o[j] = rs * (gw - s1 - xh * s2);
        }
        if (want_w) {
#pragma omp simd
          for (int64_t j = 0; j < C; ++j) pw[j] += gr[j] * (xr[j] - mu) * rs;
        }
        if (want_b) {
#pragma omp simd
          for (int64_t j = 0; j < C; ++j) pb[j] += gr[j];
        }
      }
    }
    if (want_w || want_b) {
      T* ow = want_w ? gweight.data<T>() : nullptr;
      T* ob = want_b ? gbias.data<T>() : nullptr;
      for (int64_t j = 0; j < C; ++j) {
        T sw = 0, sb = 0;
        for (int t = 0; t < nt; ++t) {
          sw += part[static_cast<size_t>(t) * 2 * C + j];
          sb += part[static_cast<size_t>(t) * 2 * C + C + j];
        }
        if (ow) ow[j] = sw;
        if (ob) ob[j] = sb;
      }
    }
  });
}

void CpuBackend::rms_norm(const Tensor& x, const Tensor& weight, double eps, bool eps_outside_root, Tensor& y,
                          Tensor& rstd) {
  require_contiguous(x, "rms_norm", "x");
  dispatch_floating(x.dtype(), "rms_norm", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    const T* xi = x.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    T* yo = y.data<T>();
    T* ro = rstd.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const T* xr = xi + r * C;
      T* yr = yo + r * C;
      T ss = 0;
#pragma omp simd reduction(+ : ss)
      for (int64_t j = 0; j < C; ++j) ss += xr[j] * xr[j];
      const T rs = eps_outside_root ? T(1) / (std::sqrt(ss / static_cast<T>(C)) + static_cast<T>(eps))
                                    : T(1) / std::sqrt(ss / static_cast<T>(C) + static_cast<T>(eps));
      ro[r] = rs;
      if (w) {
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) yr[j] = xr[j] * rs * w[j];
      } else {
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) yr[j] = xr[j] * rs;
      }
    }
  });
}

void CpuBackend::rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& rstd, double eps,
                                   bool eps_outside_root, const Tensor& gy, Tensor& gx, Tensor& gweight) {
  require_contiguous(gy, "rms_norm_backward", "gy");
  dispatch_floating(x.dtype(), "rms_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    const T* xi = x.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const T* ri = rstd.data<T>();
    const T* gi = gy.data<T>();
    T* go = gx.data<T>();
    const bool want_w = gweight.defined();
    const int nt = (x.numel() > kParallelGrain) ? omp_get_max_threads() : 1;
    std::vector<T> part(static_cast<size_t>(nt) * C, T(0));
#pragma omp parallel num_threads(nt)
    {
      int64_t rb, re;
      thread_range(R, rb, re);
      T* pw = part.data() + static_cast<size_t>(omp_get_thread_num()) * C;
      for (int64_t r = rb; r < re; ++r) {
        const T* xr = xi + r * C;
        const T* gr = gi + r * C;
        T* o = go + r * C;
        const T rs = ri[r];
        // gx = rs · (g·w − x̂ · mean(g·w·x̂) · f), x̂ = x·rs. Eps inside the root: f = 1.
        // Outside, rs = 1/(q + eps) with q = sqrt(mean(x²)), and d rs/dx = −rs²·x/(C·q),
        // so f = 1/(rs·q) = (q + eps)/q; all-zero rows (q = 0) have x = 0: f is moot.
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < C; ++j) s += (w ? gr[j] * w[j] : gr[j]) * xr[j] * rs;
        s /= static_cast<T>(C);
        if (eps_outside_root) {
          const T q = T(1) / rs - static_cast<T>(eps);
          s = q > T(0) ? s / (rs * q) : T(0);
        }
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) o[j] = rs * ((w ? gr[j] * w[j] : gr[j]) - xr[j] * rs * s);
        if (want_w) {
#pragma omp simd
          for (int64_t j = 0; j < C; ++j) pw[j] += gr[j] * xr[j] * rs;
        }
      }
    }
    if (want_w) {
      T* ow = gweight.data<T>();
      for (int64_t j = 0; j < C; ++j) {
        T sw = 0;
        for (int t = 0; t < nt; ++t) sw += part[static_cast<size_t>(t) * C + j];
        ow[j] = sw;
      }
    }
  });
}

}  // namespace weft::cpu
