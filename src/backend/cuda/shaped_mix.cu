// CUDA shaped-attention combination out = α_h·V + β_h·SV − γ_h·(causal prefix mean of V)
// on time-major [B, T, H, D]. Forward: one thread per (lane = b·H + h, d) runs the
// prefix sum along T (the CPU's per-channel order). Backward: one block per lane;
// each thread owns channels, the gain sums go through block_sum's fixed tree and
// then over batches in order — deterministic, no atomics.
#include "common.cuh"

namespace weft::cuda {

namespace {

struct MixShape {
  int64_t B, T, H, D;
  __host__ __device__ int64_t at(int64_t lane, int64_t t) const { return ((lane / H * T + t) * H + lane % H) * D; }
};

template <typename T>
__global__ void shaped_mix_kernel(const T* v, const T* sv, const T* a, const T* b, const T* g, T* o, MixShape s) {
  const int64_t n = s.B * s.H * s.D;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t lane = e / s.D, d = e % s.D, h = lane % s.H;
    const T ah = a[h], bh = b[h], gh = g[h];
    T ac = 0;
    for (int64_t t = 0; t < s.T; ++t) {
      const int64_t off = s.at(lane, t) + d;
      ac += v[off];
      const T inv = T(1) / static_cast<T>(t + 1);
      o[off] = ah * v[off] + (bh * sv[off] - gh * (ac * inv));
    }
  }
}

// part[lane·3 + {0,1,2}] = Σ g·V, Σ g·SV, Σ g·CV over (t, d) of the lane.
template <typename T>
__global__ void shaped_mix_backward_kernel(const T* v, const T* sv, const T* a, const T* b, const T* g,
                                           const T* go, T* gv, T* gsv, double* part, MixShape s) {
  __shared__ double scratch[32];
  const int64_t lane = blockIdx.x, h = lane % s.H;
  const T ah = a[h], bh = b[h], gh = g[h];
  double sa = 0, sb = 0, sc = 0;
  for (int64_t d = threadIdx.x; d < s.D; d += blockDim.x) {
    T ac = 0, pa = 0, pb = 0, pc = 0;
    for (int64_t t = 0; t < s.T; ++t) {
      const int64_t off = s.at(lane, t) + d;
      ac += v[off];
      const T inv = T(1) / static_cast<T>(t + 1);
      pa += go[off] * v[off];
      pb += go[off] * sv[off];
      pc += go[off] * (ac * inv);
      gsv[off] = bh * go[off];
    }
    // gV[t] = α·g[t] − γ·Σ_{u ≥ t} g[u]/(u+1)  (Cᵀ applied to g)
    T rc = 0;
    for (int64_t t = s.T - 1; t >= 0; --t) {
      const int64_t off = s.at(lane, t) + d;
      rc += go[off] * (T(1) / static_cast<T>(t + 1));
      gv[off] = ah * go[off] - gh * rc;
    }
    sa += static_cast<double>(pa);
    sb += static_cast<double>(pb);
    sc += static_cast<double>(pc);
  }
  sa = block_sum(sa, scratch);
  sb = block_sum(sb, scratch);
  sc = block_sum(sc, scratch);
  if (threadIdx.x == 0) {
    part[lane * 3 + 0] = sa;
    part[lane * 3 + 1] = sb;
    part[lane * 3 + 2] = sc;
  }
}

template <typename T>
__global__ void shaped_mix_gains_kernel(const double* part, T* ga, T* gb, T* gg, int64_t B, int64_t H) {
  const int64_t h = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (h >= H) return;
  double sa = 0, sb = 0, sc = 0;
  for (int64_t bi = 0; bi < B; ++bi) {
    const int64_t lane = bi * H + h;
    sa += part[lane * 3 + 0];
    sb += part[lane * 3 + 1];
    sc += part[lane * 3 + 2];
  }
  ga[h] = static_cast<T>(sa);
  gb[h] = static_cast<T>(sb);
  gg[h] = static_cast<T>(-sc);
}

}  // namespace

void CudaBackend::shaped_mix(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                             const Tensor& gamma, Tensor& out) {
  require_contiguous(v, "shaped_mix", "v");
  require_contiguous(sv, "shaped_mix", "sv");
  require_contiguous(out, "shaped_mix", "out");
  cudaStream_t st = stream();
  dispatch_floating(v.dtype(), "shaped_mix", [&](auto tag) {
    using T = decltype(tag);
    const MixShape s{v.size(0), v.size(1), v.size(2), v.size(3)};
    const int64_t n = s.B * s.H * s.D;
    if (n == 0 || s.T == 0) return;
    shaped_mix_kernel<T><<<grid_for(n), kThreads, 0, st>>>(dptr<T>(v), dptr<T>(sv), dptr<T>(alpha), dptr<T>(beta),
                                                           dptr<T>(gamma), dptr<T>(out), s);
    launch_check("shaped_mix");
  });
}

void CudaBackend::shaped_mix_backward(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                                      const Tensor& gamma, const Tensor& gout, Tensor& gv, Tensor& gsv,
                                      Tensor& galpha, Tensor& gbeta, Tensor& ggamma) {
  require_contiguous(v, "shaped_mix_backward", "v");
  require_contiguous(sv, "shaped_mix_backward", "sv");
  require_contiguous(gout, "shaped_mix_backward", "gout");
  require_contiguous(gv, "shaped_mix_backward", "gv");
  require_contiguous(gsv, "shaped_mix_backward", "gsv");
  cudaStream_t st = stream();
  dispatch_floating(v.dtype(), "shaped_mix_backward", [&](auto tag) {
    using T = decltype(tag);
    const MixShape s{v.size(0), v.size(1), v.size(2), v.size(3)};
    const int64_t lanes = s.B * s.H;
    if (s.H == 0) return;
    Tensor part = Tensor::zeros({std::max<int64_t>(lanes, 1) * 3}, DType::f64, device());
    if (lanes > 0) {
      shaped_mix_backward_kernel<T><<<static_cast<unsigned>(lanes), 128, 0, st>>>(
          dptr<T>(v), dptr<T>(sv), dptr<T>(alpha), dptr<T>(beta), dptr<T>(gamma), dptr<T>(gout), dptr<T>(gv),
          dptr<T>(gsv), dptr<double>(part), s);
      launch_check("shaped_mix_backward");
    }
    shaped_mix_gains_kernel<T><<<grid_for(s.H), kThreads, 0, st>>>(dptr<double>(part), dptr<T>(galpha),
                                                                   dptr<T>(gbeta), dptr<T>(ggamma), s.B, s.H);
    launch_check("shaped_mix_backward");
  });
}

}  // namespace weft::cuda
