// CPU softmax / log_softmax over the last dim, and the fused softmax cross-entropy
// (forward saves only the row log-sum-exp; backward rebuilds softmax from it).
#include <cmath>
#include <limits>

#include "../cpu_backend.h"
#include "weft/backend/scalar_math.h"
#include "weft/backend/vector_math.h"
#include "../strided_loop.h"

namespace weft::cpu {

namespace {
template <typename T>
T row_max(const T* x, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  return m;
}
}  // namespace

void CpuBackend::softmax(const Tensor& x, Tensor& y, bool log) {
  require_contiguous(x, "softmax", "x");
  require_contiguous(y, "softmax", "y");
  dispatch_floating(x.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().empty() ? 1 : x.shape().back();
    const int64_t R = C ? x.numel() / C : 0;
    const T* xi = x.data<T>();
    T* yo = y.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const T* xr = xi + r * C;
      T* yr = yo + r * C;
      const T m = row_max(xr, C);
      T s = 0;
      if (log) {
        s = vec_map_sum<T>(C, [&](auto v) { return fexp(v - m); }, xr);
        const T lse = m + std::log(s);
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) yr[j] = xr[j] - lse;
      } else {
        vec_map<T>(C, yr, [&](auto v) { return fexp(v - m); }, xr);
        s = vec_map_sum<T>(C, [](auto v) { return v; }, yr);
        const T inv = T(1) / s;
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) yr[j] *= inv;
      }
    }
  });
}

void CpuBackend::softmax_backward(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) {
  require_contiguous(y, "softmax_backward", "y");
  require_contiguous(gy, "softmax_backward", "gy");
  require_contiguous(gx, "softmax_backward", "gx");
  dispatch_floating(y.dtype(), "softmax_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = y.shape().empty() ? 1 : y.shape().back();
    const int64_t R = C ? y.numel() / C : 0;
    const T* yi = y.data<T>();
    const T* gi = gy.data<T>();
    T* go = gx.data<T>();
#pragma omp parallel for schedule(static) if (y.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const T* yr = yi + r * C;
      const T* gr = gi + r * C;
      T* o = go + r * C;
      T s = 0;
      if (log) {  // gx = g − softmax · Σg
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < C; ++j) s += gr[j];
        vec_map<T>(C, o, [&](auto g, auto yv) { return g - fexp(yv) * s; }, gr, yr);
      } else {  // gx = y · (g − Σ y·g)
#pragma omp simd reduction(+ : s)
        for (int64_t j = 0; j < C; ++j) s += yr[j] * gr[j];
#pragma omp simd
        for (int64_t j = 0; j < C; ++j) o[j] = yr[j] * (gr[j] - s);
      }
    }
  });
}

// loss_n = (1−ε)(lse − x_t) + ε(lse − mean_j x_j)   (label smoothing as in PyTorch).
void CpuBackend::cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                               double label_smoothing, Tensor& loss, Tensor& lse) {
  require_contiguous(logits, "cross_entropy", "logits");
  require_contiguous(targets, "cross_entropy", "targets");
  dispatch_floating(logits.dtype(), "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const int64_t R = logits.shape()[0], V = logits.shape()[1];
    const T* x = logits.data<T>();
    const int64_t* tg = targets.data<int64_t>();
    T* lo = loss.data<T>();
    T* ls = lse.data<T>();
    const T eps = static_cast<T>(label_smoothing);
#pragma omp parallel for schedule(static) if (logits.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const T* xr = x + r * V;
      const T m = row_max(xr, V);
      const T s = vec_map_sum<T>(V, [&](auto v) { return fexp(v - m); }, xr);
      const T sum_x = vec_map_sum<T>(V, [](auto v) { return v; }, xr);
      const T l = m + std::log(s);
      ls[r] = l;
      const int64_t t = tg[r];
      if (t == ignore_index) {
        lo[r] = 0;
        continue;
      }
      lo[r] = (T(1) - eps) * (l - xr[t]) + eps * (l - sum_x / static_cast<T>(V));
    }
  });
}

void CpuBackend::cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse,
                                        const Tensor& gloss, int64_t ignore_index, double label_smoothing,
                                        Tensor& glogits) {
  require_contiguous(glogits, "cross_entropy_backward", "glogits");
  require_contiguous(gloss, "cross_entropy_backward", "gloss");
  dispatch_floating(logits.dtype(), "cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t R = logits.shape()[0], V = logits.shape()[1];
    const T* x = logits.data<T>();
    const int64_t* tg = targets.data<int64_t>();
    const T* ls = lse.data<T>();
    const T* gl = gloss.data<T>();
    T* g = glogits.data<T>();
    const T eps = static_cast<T>(label_smoothing);
    const T smooth = eps / static_cast<T>(V);
#pragma omp parallel for schedule(static) if (logits.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      T* gr = g + r * V;
      const int64_t t = tg[r];
      if (t == ignore_index) {
        for (int64_t j = 0; j < V; ++j) gr[j] = 0;
        continue;
      }
      const T* xr = x + r * V;
      const T l = ls[r], go = gl[r];
      vec_map<T>(V, gr, [&](auto v) { return go * (fexp(v - l) - smooth); }, xr);
      gr[t] -= go * (T(1) - eps);
    }
  });
}

}  // namespace weft::cpu
