// CUDA softmax / log_softmax over the last dim and the fused softmax cross-entropy
// (forward saves only the row log-sum-exp; backward rebuilds softmax from it). One
// block per row; row sums and maxima use block_sum/block_max's fixed tree.
#include "common.cuh"

namespace weft::cuda {

namespace {

template <typename T>
__device__ T row_max(const T* x, int64_t n, T* scratch) {
  T m = neg_inf<T>();
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = x[j] > m ? x[j] : m;
  return block_max(m, scratch);
}

template <typename T>
__global__ void softmax_kernel(const T* x, T* y, int64_t C, bool log) {
  __shared__ T scratch[32];
  const T* xr = x + blockIdx.x * C;
  T* yr = y + blockIdx.x * C;
  const T m = row_max(xr, C, scratch);
  T s = 0;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) s += fexp(xr[j] - m);
  s = block_sum(s, scratch);
  if (log) {
    const T lse = m + ::log(s);
    for (int64_t j = threadIdx.x; j < C; j += blockDim.x) yr[j] = xr[j] - lse;
  } else {
    const T inv = T(1) / s;
    for (int64_t j = threadIdx.x; j < C; j += blockDim.x) yr[j] = fexp(xr[j] - m) * inv;
  }
}

template <typename T>
__global__ void softmax_backward_kernel(const T* y, const T* g, T* gx, int64_t C, bool log) {
  __shared__ T scratch[32];
  const int64_t off = blockIdx.x * C;
  T s = 0;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) s += log ? g[off + j] : y[off + j] * g[off + j];
  s = block_sum(s, scratch);
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) {
    const int64_t e = off + j;
    gx[e] = log ? g[e] - fexp(y[e]) * s : y[e] * (g[e] - s);  // log: g − softmax·Σg; else y·(g − Σy·g)
  }
}

// loss_n = (1−ε)(lse − x_t) + ε(lse − mean_j x_j)   (label smoothing as in PyTorch).
template <typename T>
__global__ void cross_entropy_kernel(const T* x, const int64_t* tg, T* loss, T* lse, int64_t V, int64_t ignore,
                                     T eps) {
  __shared__ T scratch[32];
  const int64_t r = blockIdx.x;
  const T* xr = x + r * V;
  const T m = row_max(xr, V, scratch);
  T s = 0, sx = 0;
  for (int64_t j = threadIdx.x; j < V; j += blockDim.x) {
    s += fexp(xr[j] - m);
    sx += xr[j];
  }
  s = block_sum(s, scratch);
  sx = block_sum(sx, scratch);
  if (threadIdx.x != 0) return;
  const T l = m + ::log(s);
  lse[r] = l;
  const int64_t t = tg[r];
  // Out-of-range targets count as ignored here; check_indices reports them.
  loss[r] = (t == ignore || t < 0 || t >= V) ? T(0) : (T(1) - eps) * (l - xr[t]) + eps * (l - sx / static_cast<T>(V));
}

template <typename T>
__global__ void cross_entropy_backward_kernel(const T* x, const int64_t* tg, const T* lse, const T* gloss, T* g,
                                              int64_t V, int64_t ignore, T eps) {
  const int64_t r = blockIdx.x;
  const int64_t t = tg[r];
  T* gr = g + r * V;
  if (t == ignore || t < 0 || t >= V) {
    for (int64_t j = threadIdx.x; j < V; j += blockDim.x) gr[j] = T(0);
    return;
  }
  const T* xr = x + r * V;
  const T l = lse[r], go = gloss[r], smooth = eps / static_cast<T>(V);
  for (int64_t j = threadIdx.x; j < V; j += blockDim.x) {
    const T v = go * (fexp(xr[j] - l) - smooth);
    gr[j] = j == t ? v - go * (T(1) - eps) : v;
  }
}

int64_t rows_of(const Tensor& x, int64_t C) { return C ? x.numel() / C : 0; }

}  // namespace

void CudaBackend::softmax(const Tensor& x, Tensor& y, bool log) {
  require_contiguous(x, "softmax", "x");
  require_contiguous(y, "softmax", "y");
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().empty() ? 1 : x.shape().back(), R = rows_of(x, C);
    if (R == 0) return;
    softmax_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, s>>>(dptr<T>(x), dptr<T>(y), C, log);
    launch_check("softmax");
  });
}

void CudaBackend::softmax_backward(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) {
  require_contiguous(y, "softmax_backward", "y");
  require_contiguous(gy, "softmax_backward", "gy");
  require_contiguous(gx, "softmax_backward", "gx");
  cudaStream_t s = stream();
  dispatch_floating(y.dtype(), "softmax_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = y.shape().empty() ? 1 : y.shape().back(), R = rows_of(y, C);
    if (R == 0) return;
    softmax_backward_kernel<T>
        <<<static_cast<unsigned>(R), kThreads, 0, s>>>(dptr<T>(y), dptr<T>(gy), dptr<T>(gx), C, log);
    launch_check("softmax_backward");
  });
}

void CudaBackend::cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                                double label_smoothing, Tensor& loss, Tensor& lse) {
  require_contiguous(logits, "cross_entropy", "logits");
  require_contiguous(targets, "cross_entropy", "targets");
  require_contiguous(loss, "cross_entropy", "loss");
  require_contiguous(lse, "cross_entropy", "lse");
  cudaStream_t s = stream();
  dispatch_floating(logits.dtype(), "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const int64_t R = logits.shape()[0], V = logits.shape()[1];
    if (R == 0) return;
    cross_entropy_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, s>>>(
        dptr<T>(logits), dptr<int64_t>(targets), dptr<T>(loss), dptr<T>(lse), V, ignore_index,
        static_cast<T>(label_smoothing));
    launch_check("cross_entropy");
  });
}

void CudaBackend::cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse,
                                         const Tensor& gloss, int64_t ignore_index, double label_smoothing,
                                         Tensor& glogits) {
  require_contiguous(logits, "cross_entropy_backward", "logits");
  require_contiguous(targets, "cross_entropy_backward", "targets");
  require_contiguous(glogits, "cross_entropy_backward", "glogits");
  require_contiguous(gloss, "cross_entropy_backward", "gloss");
  cudaStream_t s = stream();
  dispatch_floating(logits.dtype(), "cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t R = logits.shape()[0], V = logits.shape()[1];
    if (R == 0) return;
    cross_entropy_backward_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, s>>>(
        dptr<T>(logits), dptr<int64_t>(targets), dptr<T>(lse), dptr<T>(gloss), dptr<T>(glogits), V, ignore_index,
        static_cast<T>(label_smoothing));
    launch_check("cross_entropy_backward");
  });
}

}  // namespace weft::cuda
