// CUDA fused attention forward (see attention.cuh): online softmax over key tiles,
// stores out and lse only. Block = kWarps query rows of one head.
#include "attention.cuh"

namespace weft::cuda {

namespace {

using namespace attn;

template <typename T>
struct FwdArgs {
  Common<T> c;
  const T *q, *k, *v;
  T *out, *lse;
  Head lq, lk, lv, lo;
};

template <typename T>
__global__ void __launch_bounds__(kWarps * 32) attention_forward_kernel(FwdArgs<T> a) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  const Common<T>& c = a.c;
  const int64_t D = c.D, ld = D + 1, Tn = c.T;
  T* Ks = reinterpret_cast<T*>(smem_raw);
  T* Vs = Ks + kTile * ld;
  T* Qs = Vs + kTile * ld;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t bh = blockIdx.x / c.row_blocks, rb = blockIdx.x % c.row_blocks, h = bh % c.H;
  const int64_t i = rb * kWarps + warp;
  const bool valid = i < Tn;
  const T* Kh = a.k + a.lk.head(bh);
  const T* Vh = a.v + a.lv.head(bh);
  T* qrow = Qs + warp * D;
  if (valid)
    for (int64_t d = lane; d < D; d += 32) qrow[d] = a.q[a.lq.head(bh) + i * a.lq.st + d];
  const T slope = c.slopes ? c.slopes[h] : T(0);
  const T inv_keep = static_cast<T>(1.0 / (1.0 - c.drop));
  T o[kMaxPer];
#pragma unroll
  for (int u = 0; u < kMaxPer; ++u) o[u] = T(0);
  T m = neg_inf<T>(), l = T(0);
  // Key tiles at or left of the block's last row only (causal skipping).
  const int64_t j_end = c.causal ? min(Tn, rb * kWarps + kWarps) : Tn;
  for (int64_t j0 = 0; j0 < j_end; j0 += kTile) {
    __syncthreads();  // the previous tile is consumed
    load_tile(Ks, Kh, a.lk.st, j0, Tn, D);
    load_tile(Vs, Vh, a.lv.st, j0, Tn, D);
    __syncthreads();
    if (!valid) continue;  // warp-uniform
    const int64_t j = j0 + lane;
    const bool vis = j < Tn && (!c.causal || j <= i);
    T s = neg_inf<T>();
    if (vis) {
      s = c.scale * dot_row(qrow, Ks + lane * ld, D);
      if (c.slopes) s += slope * static_cast<T>(j - i);
    }
    const T m_new = max(m, warp_max(s));
    if (m_new == neg_inf<T>()) continue;  // no visible key yet (warp-uniform)
    const T e = vis ? fexp(s - m_new) : T(0);
    const T sum = warp_sum(e);
    // The row sum l counts every probability; only P·V sees the dropped ones.
    const T pd = (c.drop > 0.0 && vis) ? (keeps(c, bh, i, j) ? e * inv_keep : T(0)) : e;
    const T alpha = m == neg_inf<T>() ? T(0) : fexp(m - m_new);
    l = alpha * l + sum;
    m = m_new;
#pragma unroll
    for (int u = 0; u < kMaxPer; ++u) o[u] *= alpha;
    for (int cc = 0; cc < kTile; ++cc) {
      const T pc = __shfl_sync(0xffffffffu, pd, cc);
      const T* vr = Vs + cc * ld;
#pragma unroll
      for (int u = 0; u < kMaxPer; ++u) {
        const int64_t d = lane + 32 * u;
        if (d < D) o[u] += pc * vr[d];
      }
    }
  }
  if (!valid) return;
  const T inv = l > T(0) ? T(1) / l : T(0);
  T* orow = a.out + a.lo.head(bh) + i * a.lo.st;
#pragma unroll
  for (int u = 0; u < kMaxPer; ++u) {
    const int64_t d = lane + 32 * u;
    if (d < D) orow[d] = o[u] * inv;
  }
  if (lane == 0) a.lse[bh * Tn + i] = l > T(0) ? m + ::log(l) : neg_inf<T>();
}

}  // namespace

void CudaBackend::attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p,
                                    Tensor& out, Tensor& lse) {
  const char* kn = "attention_forward";
  const Head lq = head_of(q, kn, "q"), lk = head_of(k, kn, "k"), lv = head_of(v, kn, "v"),
             lo = head_of(out, kn, "out");
  require_contiguous(lse, kn, "lse");
  require_contiguous(p.alibi_slopes, kn, "alibi_slopes");
  cudaStream_t s = stream();
  dispatch_floating(q.dtype(), kn, [&](auto tag) {
    using T = decltype(tag);
    FwdArgs<T> a{common_of<T>(q, p), dptr<T>(q), dptr<T>(k), dptr<T>(v), dptr<T>(out), dptr<T>(lse), lq, lk, lv, lo};
    if (a.c.BH == 0 || a.c.T == 0) return;
    const size_t smem = smem_bytes<T>(a.c.D, 1, 0);
    allow_smem(attention_forward_kernel<T>, smem, kn);
    attention_forward_kernel<T><<<static_cast<unsigned>(a.c.BH * a.c.row_blocks), kWarps * 32, smem, s>>>(a);
    launch_check(kn);
  });
}

}  // namespace weft::cuda
