// CUDA fused attention backward (see attention.cuh), FlashAttention-2 Alg. 2 split
// into three deterministic passes: δ_i = rowsum(dO_i ∘ O_i); dQ with one warp per
// query row; dK and dV with one warp per key row. Each pass recomputes
// P = exp(S − lse) per tile; nothing T×T is stored and no output is shared.
// With dropout (O = P̃V, P̃ = Z∘P/(1−p)): dV uses P̃, dP̃ = Z∘(dO Vᵀ)/(1−p), and
// dS = P ∘ (dP̃ − δ) since δ_i = rowsum(dO∘O) = rowsum(P∘dP̃).
#include "attention.cuh"

namespace weft::cuda {

namespace {

using namespace attn;

template <typename T>
struct BwdArgs {
  Common<T> c;
  const T *q, *k, *v, *out, *lse, *gout;
  T *gq, *gk, *gv, *delta;
  Head lq, lk, lv, lo, lgo, lgq, lgk, lgv;
};

// δ[bh·T + i] = Σ_d dO·O: one warp per row.
template <typename T>
__global__ void delta_kernel(BwdArgs<T> a) {
  const int64_t row = blockIdx.x * int64_t(kWarps) + threadIdx.x / 32, lane = threadIdx.x % 32;
  if (row >= a.c.BH * a.c.T) return;
  const int64_t bh = row / a.c.T, i = row % a.c.T;
  const T* go = a.gout + a.lgo.head(bh) + i * a.lgo.st;
  const T* o = a.out + a.lo.head(bh) + i * a.lo.st;
  T s = 0;
  for (int64_t d = lane; d < a.c.D; d += 32) s += go[d] * o[d];
  s = warp_sum(s);
  if (lane == 0) a.delta[row] = s;
}

// dQ_i = scale · Σ_j dS_ij K_j.
template <typename T>
__global__ void __launch_bounds__(kWarps * 32) attention_dq_kernel(BwdArgs<T> a) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const Common<T>& c = a.c;
  const int64_t D = c.D, ld = D + 1, Tn = c.T;
  T* Ks = reinterpret_cast<T*>(smem_raw);
  T* Vs = Ks + kTile * ld;
  T* Qs = Vs + kTile * ld;
  T* Gs = Qs + kWarps * D;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t bh = blockIdx.x / c.row_blocks, rb = blockIdx.x % c.row_blocks, h = bh % c.H;
  const int64_t i = rb * kWarps + warp;
  const bool valid = i < Tn;
  T* qrow = Qs + warp * D;
  T* grow = Gs + warp * D;
  T li = neg_inf<T>(), di = 0;
  if (valid) {
    for (int64_t d = lane; d < D; d += 32) {
      qrow[d] = a.q[a.lq.head(bh) + i * a.lq.st + d];
      grow[d] = a.gout[a.lgo.head(bh) + i * a.lgo.st + d];
    }
    li = a.lse[bh * Tn + i];
    di = a.delta[bh * Tn + i];
  }
  const bool live = valid && li != neg_inf<T>();  // rows without visible keys get zero gradient
  const T slope = c.slopes ? c.slopes[h] : T(0);
  const T inv_keep = static_cast<T>(1.0 / (1.0 - c.drop));
  T acc[kMaxPer];
#pragma unroll
  for (int u = 0; u < kMaxPer; ++u) acc[u] = T(0);
  const int64_t j_end = c.causal ? min(Tn, rb * kWarps + kWarps) : Tn;
  for (int64_t j0 = 0; j0 < j_end; j0 += kTile) {
    __syncthreads();
    load_tile(Ks, a.k + a.lk.head(bh), a.lk.st, j0, Tn, D);
    load_tile(Vs, a.v + a.lv.head(bh), a.lv.st, j0, Tn, D);
    __syncthreads();
    if (!live) continue;
    const int64_t j = j0 + lane;
    const bool vis = j < Tn && (!c.causal || j <= i);
    T ds = 0;
    if (vis) {
      T s = c.scale * dot_row(qrow, Ks + lane * ld, D);
      if (c.slopes) s += slope * static_cast<T>(j - i);
      const T p = fexp(s - li);
      T dp = dot_row(grow, Vs + lane * ld, D);
      if (c.drop > 0.0) dp = keeps(c, bh, i, j) ? dp * inv_keep : T(0);
      ds = p * (dp - di);
    }
    for (int cc = 0; cc < kTile; ++cc) {
      const T dc = __shfl_sync(0xffffffffu, ds, cc);
      const T* kr = Ks + cc * ld;
#pragma unroll
      for (int u = 0; u < kMaxPer; ++u) {
        const int64_t d = lane + 32 * u;
        if (d < D) acc[u] += dc * kr[d];
      }
    }
  }
  if (!valid) return;
  T* out = a.gq + a.lgq.head(bh) + i * a.lgq.st;
#pragma unroll
  for (int u = 0; u < kMaxPer; ++u) {
    const int64_t d = lane + 32 * u;
    if (d < D) out[d] = c.scale * acc[u];
  }
}

// dV_j = Σ_i P̃_ij dO_i;  dK_j = scale · Σ_i dS_ij Q_i.
template <typename T>
__global__ void __launch_bounds__(kWarps * 32) attention_dkv_kernel(BwdArgs<T> a) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const Common<T>& c = a.c;
  const int64_t D = c.D, ld = D + 1, Tn = c.T;
  T* Qs = reinterpret_cast<T*>(smem_raw);  // query tile
  T* Gs = Qs + kTile * ld;                 // dO tile
  T* Kr = Gs + kTile * ld;                 // per-warp k_j
  T* Vr = Kr + kWarps * D;                 // per-warp v_j
  T* Ls = Vr + kWarps * D;                 // lse of the tile's queries
  T* Ds = Ls + kTile;                      // δ of the tile's queries
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t bh = blockIdx.x / c.row_blocks, rb = blockIdx.x % c.row_blocks, h = bh % c.H;
  const int64_t j = rb * kWarps + warp;
  const bool valid = j < Tn;
  T* krow = Kr + warp * D;
  T* vrow = Vr + warp * D;
  if (valid)
    for (int64_t d = lane; d < D; d += 32) {
      krow[d] = a.k[a.lk.head(bh) + j * a.lk.st + d];
      vrow[d] = a.v[a.lv.head(bh) + j * a.lv.st + d];
    }
  const T slope = c.slopes ? c.slopes[h] : T(0);
  const T inv_keep = static_cast<T>(1.0 / (1.0 - c.drop));
  T dk[kMaxPer], dv[kMaxPer];
#pragma unroll
  for (int u = 0; u < kMaxPer; ++u) dk[u] = dv[u] = T(0);
  // Queries before the block's first key see none of its keys (causal).
  const int64_t i_begin = c.causal ? rb * kWarps : 0;
  for (int64_t i0 = i_begin; i0 < Tn; i0 += kTile) {
    __syncthreads();
    load_tile(Qs, a.q + a.lq.head(bh), a.lq.st, i0, Tn, D);
    load_tile(Gs, a.gout + a.lgo.head(bh), a.lgo.st, i0, Tn, D);
    if (threadIdx.x < kTile) {
      const int64_t i = i0 + threadIdx.x;
      Ls[threadIdx.x] = i < Tn ? a.lse[bh * Tn + i] : neg_inf<T>();
      Ds[threadIdx.x] = i < Tn ? a.delta[bh * Tn + i] : T(0);
    }
    __syncthreads();
    if (!valid) continue;
    const int64_t i = i0 + lane;
    const T li = Ls[lane];
    const bool vis = i < Tn && (!c.causal || j <= i) && li != neg_inf<T>();
    T pd = 0, ds = 0;
    if (vis) {
      T s = c.scale * dot_row(Qs + lane * ld, krow, D);
      if (c.slopes) s += slope * static_cast<T>(j - i);
      const T p = fexp(s - li);
      T dp = dot_row(Gs + lane * ld, vrow, D);
      pd = p;
      if (c.drop > 0.0) {
        const bool keep = keeps(c, bh, i, j);
        pd = keep ? p * inv_keep : T(0);
        dp = keep ? dp * inv_keep : T(0);
      }
      ds = p * (dp - Ds[lane]);
    }
    for (int cc = 0; cc < kTile; ++cc) {
      const T pc = __shfl_sync(0xffffffffu, pd, cc), dc = __shfl_sync(0xffffffffu, ds, cc);
      const T* gr = Gs + cc * ld;
      const T* qr = Qs + cc * ld;
#pragma unroll
      for (int u = 0; u < kMaxPer; ++u) {
        const int64_t d = lane + 32 * u;
        if (d < D) {
          dv[u] += pc * gr[d];
          dk[u] += dc * qr[d];
        }
      }
    }
  }
  if (!valid) return;
  T* gk = a.gk + a.lgk.head(bh) + j * a.lgk.st;
  T* gv = a.gv + a.lgv.head(bh) + j * a.lgv.st;
#pragma unroll
  for (int u = 0; u < kMaxPer; ++u) {
    const int64_t d = lane + 32 * u;
    if (d < D) {
      gk[d] = c.scale * dk[u];
      gv[d] = dv[u];
    }
  }
}

}  // namespace

void CudaBackend::attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                                     const Tensor& lse, const Tensor& gout, const AttentionParams& p, Tensor& gq,
                                     Tensor& gk, Tensor& gv) {
  const char* kn = "attention_backward";
  const Head lq = head_of(q, kn, "q"), lk = head_of(k, kn, "k"), lv = head_of(v, kn, "v"),
             lo = head_of(out, kn, "out"), lgo = head_of(gout, kn, "gout"), lgq = head_of(gq, kn, "gq"),
             lgk = head_of(gk, kn, "gk"), lgv = head_of(gv, kn, "gv");
  require_contiguous(lse, kn, "lse");
  require_contiguous(p.alibi_slopes, kn, "alibi_slopes");
  cudaStream_t s = stream();
  dispatch_floating(q.dtype(), kn, [&](auto tag) {
    using T = decltype(tag);
    const Common<T> c = common_of<T>(q, p);
    if (c.BH == 0 || c.T == 0) return;
    const Shape rows{c.BH * c.T};
    Tensor delta = Tensor::empty(rows, q.dtype(), device());
    BwdArgs<T> a{c,          dptr<T>(q),  dptr<T>(k),  dptr<T>(v),  dptr<T>(out),   dptr<T>(lse), dptr<T>(gout),
                 dptr<T>(gq), dptr<T>(gk), dptr<T>(gv), dptr<T>(delta), lq,        lk,           lv,
                 lo,         lgo,         lgq,         lgk,         lgv};
    const unsigned blocks = static_cast<unsigned>(c.BH * c.row_blocks);
    delta_kernel<T><<<static_cast<unsigned>((c.BH * c.T + kWarps - 1) / kWarps), kWarps * 32, 0, s>>>(a);
    launch_check("attention_backward (delta)");
    const size_t smem_dq = smem_bytes<T>(c.D, 2, 0);
    allow_smem(attention_dq_kernel<T>, smem_dq, kn);
    attention_dq_kernel<T><<<blocks, kWarps * 32, smem_dq, s>>>(a);
    launch_check("attention_backward (dq)");
    const size_t smem_dkv = smem_bytes<T>(c.D, 2, 2 * kTile);
    allow_smem(attention_dkv_kernel<T>, smem_dkv, kn);
    attention_dkv_kernel<T><<<blocks, kWarps * 32, smem_dkv, s>>>(a);
    launch_check("attention_backward (dk, dv)");
  });
}

}  // namespace weft::cuda
