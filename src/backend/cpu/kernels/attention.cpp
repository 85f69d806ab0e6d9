// CPU fused attention, FlashAttention-2 style (Dao 2023, "FlashAttention-2: Faster
// Attention with Better Parallelism and Work Partitioning", Algorithms 1 and 2).
// Scores are built one [Br × Bc] tile at a time with blas_gemm; the forward keeps a
// running row max / row sum (online softmax) and stores only out and lse, the
// backward recomputes P = exp(S − lse) per tile. Nothing O(T²) is ever allocated.
// Determinism: every output row (forward) and every head (backward) is produced by
// one thread in a fixed order, so results do not depend on scheduling.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "../blas.h"
#include "../cpu_backend.h"
#include "weft/backend/scalar_math.h"
#include "weft/backend/vector_math.h"
#include "../strided_loop.h"

namespace weft::cpu {

namespace {

// Tile sizes: rows of queries × columns of keys. 64 keeps S, dP and the K/V/Q/dO
// tiles (at D = 64) inside L2 per core while the tile GEMMs stay large enough for
// the GEMM library to run near its small-matrix peak.
constexpr int64_t kBr = 64;
constexpr int64_t kBc = 64;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Columns [0, valid) of a row of the (i, j0) tile are visible keys; the rest are masked.
inline int64_t visible_cols(bool causal, int64_t i, int64_t j0, int64_t bc) {
  if (!causal) return bc;
  return std::clamp<int64_t>(i - j0 + 1, 0, bc);
}

// Adds the ALiBi term slope·(j − i) to row i of a score tile starting at key j0.
template <typename T>
inline void add_alibi(T* s, int64_t n, T slope, int64_t i, int64_t j0) {
  const T base = slope * static_cast<T>(j0 - i);
#pragma omp simd
  for (int64_t c = 0; c < n; ++c) s[c] += base + slope * static_cast<T>(c);
}

// Attention-probability dropout of one [br × bc] tile row: the mask is a pure
// function of (head, i, j), so forward and backward agree without storing it.
struct ProbDropout {
  double p = 0.0;
  PhiloxState state;
  int64_t len = 0;  // sequence length T
  bool on() const { return p > 0.0; }
  // out[c] = keep ? in[c] / (1 − p) : 0 for columns [0, n) of row i from key j0, where
  // keep = dropout_keeps(philox_uniform(state, (bh·T + i)·T + j), p).
  template <typename T>
  void apply(const T* in, T* out, int64_t n, int64_t bh, int64_t i, int64_t j0) const {
    const T inv_keep = static_cast<T>(1.0 / (1.0 - p));
    philox_uniform_range(state, static_cast<uint64_t>((bh * len + i) * len + j0), n, [&](int64_t c, double u) {
      out[c] = dropout_keeps(u, p) ? in[c] * inv_keep : T(0);
    });
  }
};

// Query tiles in zigzag order (0, n−1, 1, n−2, …) so a contiguous static chunk of
// work items mixes cheap early tiles with expensive late ones under a causal mask.
inline int64_t zigzag(int64_t w, int64_t n) {
  return (w % 2 == 0) ? w / 2 : n - 1 - w / 2;
}

// Where head (b, h) of a [B, H, T, D] operand lives: any strides over B, H and T,
// unit stride over D. The packed qkv layout [B, T, 3, H, D] (qkv_attention) and
// the plain contiguous one are both such views, so neither is ever copied.
struct HeadLayout {
  int64_t sb, sh, st, H;
  HeadLayout(const Tensor& t, const char* kernel, const char* arg)
      : sb(t.strides()[0]), sh(t.strides()[1]), st(t.strides()[2]), H(t.shape()[1]) {
    if (t.shape()[2] <= 1) st = std::max<int64_t>(t.shape()[3], 1);  // one row: BLAS still wants ld ≥ D
    WEFT_CHECK(t.shape()[3] <= 1 || t.strides()[3] == 1, DeviceError, kernel, ": ", arg,
               " needs unit stride along head_dim, got ", t.describe());
  }
  int64_t head(int64_t bh) const { return (bh / H) * sb + (bh % H) * sh; }
};

}  // namespace

void CpuBackend::attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p,
                                   Tensor& out, Tensor& lse) {
  const HeadLayout lq(q, "attention_forward", "q"), lk(k, "attention_forward", "k"), lv(v, "attention_forward", "v"),
      lo(out, "attention_forward", "out");
  require_contiguous(lse, "attention_forward", "lse");
  require_contiguous(p.alibi_slopes, "attention_forward", "alibi_slopes");
  dispatch_floating(q.dtype(), "attention_forward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t B = q.shape()[0], H = q.shape()[1], Tn = q.shape()[2], D = q.shape()[3];
    const int64_t BH = B * H;
    if (BH == 0 || Tn == 0) return;
    const int64_t nq = (Tn + kBr - 1) / kBr;
    const T* qp = q.data<T>();
    const T* kp = k.data<T>();
    const T* vp = v.data<T>();
    const T* slopes = p.alibi_slopes.defined() ? p.alibi_slopes.data<T>() : nullptr;
    T* op = out.data<T>();
    T* lp = lse.data<T>();
    const T scale = static_cast<T>(p.scale);
    const bool causal = p.causal;
    const T neg_inf = static_cast<T>(kNegInf);
    const int64_t items = BH * nq;
    const bool par = BH * Tn * Tn * std::max<int64_t>(D, 1) > kParallelGrain;
    const ProbDropout drop{p.dropout, p.dropout_state, Tn};

#pragma omp parallel if (par)
    {
      std::vector<T> s_buf(static_cast<size_t>(kBr * kBc));
      T m_row[kBr], l_row[kBr];
#pragma omp for schedule(static)
      for (int64_t w = 0; w < items; ++w) {
        const int64_t bh = w / nq, h = bh % H;
        const int64_t i0 = zigzag(w % nq, nq) * kBr, br = std::min(kBr, Tn - i0);
        const T* Q = qp + lq.head(bh) + i0 * lq.st;
        const T* Kh = kp + lk.head(bh);
        const T* Vh = vp + lv.head(bh);
        T* O = op + lo.head(bh) + i0 * lo.st;
        const T slope = slopes ? slopes[h] : T(0);
        for (int64_t r = 0; r < br; ++r) {
          m_row[r] = neg_inf;
          l_row[r] = 0;
          std::fill(O + r * lo.st, O + r * lo.st + D, T(0));
        }
        // Key tiles at or left of the diagonal only (Alg. 1 with causal skipping).
        const int64_t j_end = causal ? std::min(Tn, i0 + br) : Tn;
        for (int64_t j0 = 0; j0 < j_end; j0 += kBc) {
          const int64_t bc = std::min(kBc, Tn - j0);
          T* S = s_buf.data();
          // S = scale · Q_i K_jᵀ   (Alg. 1 line 8)
          blas_gemm<T>(false, true, br, bc, D, scale, Q, lq.st, Kh + j0 * lk.st, lk.st, T(0), S, kBc);
          for (int64_t r = 0; r < br; ++r) {
            const int64_t i = i0 + r;
            T* s = S + r * kBc;
            const int64_t nv = visible_cols(causal, i, j0, bc);
            if (slopes) add_alibi(s, nv, slope, i, j0);
            T mt = neg_inf;
#pragma omp simd reduction(max : mt)
            for (int64_t c = 0; c < nv; ++c) mt = std::max(mt, s[c]);
            const T m_new = std::max(m_row[r], mt);
            T* o = O + r * lo.st;
            if (m_new == neg_inf) {  // no visible key yet: contributes nothing, stays NaN-free
              std::fill(s, s + bc, T(0));
              continue;
            }
            // Online softmax (Alg. 1 lines 9–10): P = exp(S − m_new), rescale l and O.
            vec_map<T>(nv, s, [&](auto v) { return fexp(v - m_new); }, s);
            const T sum = vec_map_sum<T>(nv, [](auto v) { return v; }, s);
            for (int64_t c = nv; c < bc; ++c) s[c] = 0;
            // The row sum l counts every probability; only P·V sees the dropped ones.
            if (drop.on()) drop.apply(s, s, nv, bh, i, j0);
            const T alpha = m_row[r] == neg_inf ? T(0) : fexp(m_row[r] - m_new);
            l_row[r] = alpha * l_row[r] + sum;
            m_row[r] = m_new;
            if (alpha != T(1)) {
#pragma omp simd
              for (int64_t d = 0; d < D; ++d) o[d] *= alpha;
            }
          }
          // O += P V_j
          blas_gemm<T>(false, false, br, D, bc, T(1), S, kBc, Vh + j0 * lv.st, lv.st, T(1), O, lo.st);
        }
        // Alg. 1 lines 12–13: O /= l, lse = m + log l (−inf for a row with no visible key).
        for (int64_t r = 0; r < br; ++r) {
          T* o = O + r * lo.st;
          const T l = l_row[r];
          const T inv = l > T(0) ? T(1) / l : T(0);
#pragma omp simd
          for (int64_t d = 0; d < D; ++d) o[d] *= inv;
          lp[bh * Tn + i0 + r] = l > T(0) ? m_row[r] + std::log(l) : neg_inf;
        }
      }
    }
  });
}

void CpuBackend::attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                                    const Tensor& lse, const Tensor& gout, const AttentionParams& p, Tensor& gq,
                                    Tensor& gk, Tensor& gv) {
  const char* kn = "attention_backward";
  const HeadLayout lq(q, kn, "q"), lk(k, kn, "k"), lv(v, kn, "v"), lo(out, kn, "out"), lgo(gout, kn, "gout"),
      lgq(gq, kn, "gq"), lgk(gk, kn, "gk"), lgv(gv, kn, "gv");
  require_contiguous(lse, "attention_backward", "lse");
  require_contiguous(p.alibi_slopes, "attention_backward", "alibi_slopes");
  dispatch_floating(q.dtype(), "attention_backward", [&](auto tag) {
    using T = decltype(tag);
    const int64_t B = q.shape()[0], H = q.shape()[1], Tn = q.shape()[2], D = q.shape()[3];
    const int64_t BH = B * H;
    if (BH == 0 || Tn == 0) return;
    const T* qp = q.data<T>();
    const T* kp = k.data<T>();
    const T* vp = v.data<T>();
    const T* opp = out.data<T>();
    const T* lp = lse.data<T>();
    const T* gop = gout.data<T>();
    const T* slopes = p.alibi_slopes.defined() ? p.alibi_slopes.data<T>() : nullptr;
    T* gqp = gq.data<T>();
    T* gkp = gk.data<T>();
    T* gvp = gv.data<T>();
    const T scale = static_cast<T>(p.scale);
    const bool causal = p.causal;
    const T neg_inf = static_cast<T>(kNegInf);
    const bool par = BH * Tn * Tn * std::max<int64_t>(D, 1) > kParallelGrain;
    const ProbDropout drop{p.dropout, p.dropout_state, Tn};

    // Each thread owns whole heads, so dQ can accumulate across key tiles without races.
#pragma omp parallel if (par)
    {
      std::vector<T> p_buf(static_cast<size_t>(kBr * kBc)), ds_buf(static_cast<size_t>(kBr * kBc));
      // With dropout: the dropped-and-scaled P̃ = Z∘P/(1−p) next to P.
      std::vector<T> pd_buf(drop.on() ? static_cast<size_t>(kBr * kBc) : 0);
      std::vector<T> delta(static_cast<size_t>(Tn));
#pragma omp for schedule(static)
      for (int64_t bh = 0; bh < BH; ++bh) {
        const int64_t h = bh % H;
        const T* Q = qp + lq.head(bh);
        const T* K = kp + lk.head(bh);
        const T* V = vp + lv.head(bh);
        const T* O = opp + lo.head(bh);
        const T* dO = gop + lgo.head(bh);
        const T* L = lp + bh * Tn;
        T* dQ = gqp + lgq.head(bh);
        T* dK = gkp + lgk.head(bh);
        T* dV = gvp + lgv.head(bh);
        const T slope = slopes ? slopes[h] : T(0);
        // D_i = rowsum(dO_i ∘ O_i)   (Alg. 2 line 4)
        for (int64_t i = 0; i < Tn; ++i) {
          const T* a = dO + i * lgo.st;
          const T* b = O + i * lo.st;
          T s = 0;
#pragma omp simd reduction(+ : s)
          for (int64_t d = 0; d < D; ++d) s += a[d] * b[d];
          delta[i] = s;
          std::fill(dQ + i * lgq.st, dQ + i * lgq.st + D, T(0));
          std::fill(dK + i * lgk.st, dK + i * lgk.st + D, T(0));
          std::fill(dV + i * lgv.st, dV + i * lgv.st + D, T(0));
        }
        // Outer loop over key tiles, inner over query tiles (Alg. 2 lines 5–7).
        for (int64_t j0 = 0; j0 < Tn; j0 += kBc) {
          const int64_t bc = std::min(kBc, Tn - j0);
          const T* Kj = K + j0 * lk.st;
          const T* Vj = V + j0 * lv.st;
          T* dKj = dK + j0 * lgk.st;
          T* dVj = dV + j0 * lgv.st;
          const int64_t i_begin = causal ? (j0 / kBr) * kBr : 0;  // tiles fully above the diagonal skipped
          for (int64_t i0 = i_begin; i0 < Tn; i0 += kBr) {
            const int64_t br = std::min(kBr, Tn - i0);
            const T* Qi = Q + i0 * lq.st;
            const T* dOi = dO + i0 * lgo.st;
            T* Pt = p_buf.data();
            T* dS = ds_buf.data();
            // P = exp(scale · Q_i K_jᵀ − lse_i)   (Alg. 2 lines 9–10)
            blas_gemm<T>(false, true, br, bc, D, scale, Qi, lq.st, Kj, lk.st, T(0), Pt, kBc);
            for (int64_t r = 0; r < br; ++r) {
              const int64_t i = i0 + r;
              T* s = Pt + r * kBc;
              const int64_t nv = visible_cols(causal, i, j0, bc);
              const T li = L[i];
              if (li == neg_inf) {  // row without visible keys: zero gradient, no −inf − −inf
                std::fill(s, s + bc, T(0));
                continue;
              }
              if (slopes) add_alibi(s, nv, slope, i, j0);
              vec_map<T>(nv, s, [&](auto v) { return fexp(v - li); }, s);
              for (int64_t c = nv; c < bc; ++c) s[c] = 0;
            }
            // With dropout O = P̃ V: dV uses P̃, and dP = Z∘(dO Vᵀ)/(1−p). D_i = rowsum(dO∘O)
            // still equals rowsum(P∘dP), so line 13 is unchanged.
            T* Pv = Pt;
            if (drop.on()) {
              Pv = pd_buf.data();
              for (int64_t r = 0; r < br; ++r) drop.apply(Pt + r * kBc, Pv + r * kBc, bc, bh, i0 + r, j0);
            }
            // dV_j += Pᵀ dO_i   (line 11)
            blas_gemm<T>(true, false, bc, D, br, T(1), Pv, kBc, dOi, lgo.st, T(1), dVj, lgv.st);
            // dP = dO_i V_jᵀ   (line 12)
            blas_gemm<T>(false, true, br, bc, D, T(1), dOi, lgo.st, Vj, lv.st, T(0), dS, kBc);
            if (drop.on()) {
              // Z∘dP̃/(1−p): P̃ = 0 exactly where dropped (or where P = 0, and there dS = 0 anyway).
              const T inv_keep = static_cast<T>(1.0 / (1.0 - drop.p));
              for (int64_t r = 0; r < br; ++r) {
                const T* pv = Pv + r * kBc;
                T* dr = dS + r * kBc;
#pragma omp simd
                for (int64_t c = 0; c < bc; ++c) dr[c] = pv[c] != T(0) ? dr[c] * inv_keep : T(0);
              }
            }
            // dS = P ∘ (dP − D_i)   (line 13)
            for (int64_t r = 0; r < br; ++r) {
              const T* pr = Pt + r * kBc;
              T* dr = dS + r * kBc;
              const T di = delta[i0 + r];
#pragma omp simd
              for (int64_t c = 0; c < bc; ++c) dr[c] = pr[c] * (dr[c] - di);
            }
            // dQ_i += scale · dS K_j;  dK_j += scale · dSᵀ Q_i   (lines 14–15)
            blas_gemm<T>(false, false, br, D, bc, scale, dS, kBc, Kj, lk.st, T(1), dQ + i0 * lgq.st, lgq.st);
            blas_gemm<T>(true, false, bc, D, br, scale, dS, kBc, Qi, lq.st, T(1), dKj, lgk.st);
          }
        }
      }
    }
  });
}

}  // namespace weft::cpu
