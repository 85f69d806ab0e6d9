// CUDA fused layer_norm and rms_norm, forward and backward, over the last dim.
// One block per row for the row statistics; parameter gradients are column sums
// over rows, done in two fixed stages (rows in chunks of kChunk, then the chunks in
// order), so they are deterministic without atomics.
#include "common.cuh"

namespace weft::cuda {

namespace {

constexpr int64_t kChunk = 64;

template <typename T>
__global__ void layer_norm_kernel(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, int64_t C, T eps) {
  __shared__ T scratch[32];
  const int64_t r = blockIdx.x;
  const T* xr = x + r * C;
  T* yr = y + r * C;
  T s = 0;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) s += xr[j];
  const T mu = block_sum(s, scratch) / static_cast<T>(C);
  T v = 0;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) v += (xr[j] - mu) * (xr[j] - mu);
  v = block_sum(v, scratch);
  const T rs = T(1) / sqrt(v / static_cast<T>(C) + eps);
  if (threadIdx.x == 0) {
    mean[r] = mu;
    rstd[r] = rs;
  }
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) {
    T o = (xr[j] - mu) * rs;
    if (w) o = o * w[j];
    if (b) o = o + b[j];
    yr[j] = o;
  }
}

// gx = rs · (g·w − mean(g·w) − x̂ · mean(g·w·x̂))
template <typename T>
__global__ void layer_norm_backward_kernel(const T* x, const T* w, const T* mean, const T* rstd, const T* g, T* gx,
                                           int64_t C) {
  __shared__ T scratch[32];
  const int64_t r = blockIdx.x, off = r * C;
  const T mu = mean[r], rs = rstd[r];
  T s1 = 0, s2 = 0;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) {
    const T gw = w ? g[off + j] * w[j] : g[off + j];
    s1 += gw;
    s2 += gw * ((x[off + j] - mu) * rs);
  }
  s1 = block_sum(s1, scratch) / static_cast<T>(C);
  s2 = block_sum(s2, scratch) / static_cast<T>(C);
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) {
    const T gw = w ? g[off + j] * w[j] : g[off + j];
    const T xh = (x[off + j] - mu) * rs;
    gx[off + j] = rs * (gw - s1 - xh * s2);
  }
}

template <typename T>
__global__ void rms_norm_kernel(const T* x, const T* w, T* y, T* rstd, int64_t C, T eps, bool outside) {
  __shared__ T scratch[32];
  const int64_t r = blockIdx.x;
  const T* xr = x + r * C;
  T* yr = y + r * C;
  T ss = 0;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) ss += xr[j] * xr[j];
  ss = block_sum(ss, scratch);
  const T rs = outside ? T(1) / (sqrt(ss / static_cast<T>(C)) + eps) : T(1) / sqrt(ss / static_cast<T>(C) + eps);
  if (threadIdx.x == 0) rstd[r] = rs;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) yr[j] = w ? xr[j] * rs * w[j] : xr[j] * rs;
}

// gx = rs · (g·w − x̂ · mean(g·w·x̂) · f); f = (q + eps)/q with eps outside the root (CPU kernel).
template <typename T>
__global__ void rms_norm_backward_kernel(const T* x, const T* w, const T* rstd, const T* g, T* gx, int64_t C, T eps,
                                         bool outside) {
  __shared__ T scratch[32];
  const int64_t r = blockIdx.x, off = r * C;
  const T rs = rstd[r];
  T s = 0;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) s += (w ? g[off + j] * w[j] : g[off + j]) * x[off + j] * rs;
  s = block_sum(s, scratch) / static_cast<T>(C);
  if (outside) {
    const T q = T(1) / rs - eps;
    s = q > T(0) ? s / (rs * q) : T(0);
  }
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x)
    gx[off + j] = rs * ((w ? g[off + j] * w[j] : g[off + j]) - x[off + j] * rs * s);
}

// Partial column sums over rows [c·kChunk, (c+1)·kChunk): gw += g·x̂ (x̂ from mean/rstd,
// mean may be null for rms), gb += g. part is [nchunks, 2, C].
template <typename T>
__global__ void param_partial_kernel(const T* x, const T* mean, const T* rstd, const T* g, T* part, int64_t R,
                                     int64_t C) {
  const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x, c = blockIdx.y;
  if (j >= C) return;
  T sw = 0, sb = 0;
  const int64_t r_end = min(R, (c + 1) * kChunk);
  for (int64_t r = c * kChunk; r < r_end; ++r) {
    const T gv = g[r * C + j];
    const T xh = (x[r * C + j] - (mean ? mean[r] : T(0))) * rstd[r];
    sw += gv * xh;
    sb += gv;
  }
  part[(c * 2) * C + j] = sw;
  part[(c * 2 + 1) * C + j] = sb;
}

template <typename T>
__global__ void param_final_kernel(const T* part, int64_t nchunks, int64_t C, T* gw, T* gb) {
  const int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (j >= C) return;
  T sw = 0, sb = 0;
  for (int64_t c = 0; c < nchunks; ++c) {
    sw += part[(c * 2) * C + j];
    sb += part[(c * 2 + 1) * C + j];
  }
  if (gw) gw[j] = sw;
  if (gb) gb[j] = sb;
}

template <typename T>
void param_grads(CudaBackend& be, cudaStream_t s, const T* x, const T* mean, const T* rstd, const T* g, int64_t R,
                 int64_t C, T* gw, T* gb) {
  if (!gw && !gb) return;
  if (C == 0) return;
  const int64_t nchunks = std::max<int64_t>(1, (R + kChunk - 1) / kChunk);
  Tensor part = Tensor::empty({nchunks, 2, C}, dtype_of<T>, be.device());
  const unsigned gx = static_cast<unsigned>((C + kThreads - 1) / kThreads);
  if (R > 0) {
    param_partial_kernel<T><<<dim3(gx, static_cast<unsigned>(nchunks)), kThreads, 0, s>>>(x, mean, rstd, g,
                                                                                        dptr<T>(part), R, C);
    launch_check("norm parameter gradients");
  } else {
    cuda_check(cudaMemsetAsync(part.raw_data(), 0, part.nbytes(), s), "norm parameter gradients");
  }
  param_final_kernel<T><<<gx, kThreads, 0, s>>>(dptr<T>(part), nchunks, C, gw, gb);
  launch_check("norm parameter gradients");
}

}  // namespace

void CudaBackend::layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, Tensor& y,
                             Tensor& mean, Tensor& rstd) {
  require_contiguous(x, "layer_norm", "x");
  require_contiguous(y, "layer_norm", "y");
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    if (R == 0) return;
    layer_norm_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, s>>>(
        dptr<T>(x), dptr<T>(weight), dptr<T>(bias), dptr<T>(y), dptr<T>(mean), dptr<T>(rstd), C,
        static_cast<T>(eps));
    launch_check("layer_norm");
  });
}

void CudaBackend::layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                                      const Tensor& gy, Tensor& gx, Tensor& gweight, Tensor& gbias) {
  require_contiguous(x, "layer_norm_backward", "x");
  require_contiguous(gy, "layer_norm_backward", "gy");
  require_contiguous(gx, "layer_norm_backward", "gx");
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "layer_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    if (R > 0) {
      layer_norm_backward_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, s>>>(
          dptr<T>(x), dptr<T>(weight), dptr<T>(mean), dptr<T>(rstd), dptr<T>(gy), dptr<T>(gx), C);
      launch_check("layer_norm_backward");
    }
    param_grads<T>(*this, s, dptr<T>(x), dptr<T>(mean), dptr<T>(rstd), dptr<T>(gy), R, C, dptr<T>(gweight),
                   dptr<T>(gbias));
  });
}

void CudaBackend::rms_norm(const Tensor& x, const Tensor& weight, double eps, bool eps_outside_root, Tensor& y,
                           Tensor& rstd) {
  require_contiguous(x, "rms_norm", "x");
  require_contiguous(y, "rms_norm", "y");
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "rms_norm", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    if (R == 0) return;
    rms_norm_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, s>>>(
        dptr<T>(x), dptr<T>(weight), dptr<T>(y), dptr<T>(rstd), C, static_cast<T>(eps), eps_outside_root);
    launch_check("rms_norm");
  });
}

void CudaBackend::rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& rstd, double eps,
                                    bool eps_outside_root, const Tensor& gy, Tensor& gx, Tensor& gweight) {
  require_contiguous(x, "rms_norm_backward", "x");
  require_contiguous(gy, "rms_norm_backward", "gy");
  require_contiguous(gx, "rms_norm_backward", "gx");
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "rms_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
    if (R > 0) {
      rms_norm_backward_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, s>>>(
          dptr<T>(x), dptr<T>(weight), dptr<T>(rstd), dptr<T>(gy), dptr<T>(gx), C, static_cast<T>(eps),
          eps_outside_root);
      launch_check("rms_norm_backward");
    }
    param_grads<T>(*this, s, dptr<T>(x), static_cast<const T*>(nullptr), dptr<T>(rstd), dptr<T>(gy), R, C,
                   dptr<T>(gweight), static_cast<T*>(nullptr));
  });
}

}  // namespace weft::cuda
