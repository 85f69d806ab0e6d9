// CPU shaped-attention combination (He & Hofmann 2024; the SAS paper):
// out = α_h·V + β_h·S V − γ_h·C V with C V the causal prefix mean, in one pass over
// time-major [B, T, H, D] data instead of five broadcast elementwise ops, a cumsum
// and their backwards. Work is split over (batch, head) lanes; each lane runs its
// prefix sums along T. Gain gradients are summed per lane, then over lanes in a
// fixed order: deterministic for any thread count.
#include <omp.h>

#include <vector>

#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

namespace {

struct MixShape {
  int64_t B, T, H, D;
  int64_t lanes() const { return B * H; }
  // Offset of (lane, t): lane = b·H + h.
  int64_t at(int64_t lane, int64_t t) const { return ((lane / H * T + t) * H + lane % H) * D; }
};

MixShape mix_shape(const Tensor& v) {
  return {v.size(0), v.size(1), v.size(2), v.size(3)};
}

// f(lane, head, scratch) for every (batch, head) lane, statically split over the
// threads; scratch is a per-thread buffer of D elements for the running sums.
template <typename T, typename F>
void for_each_lane(const MixShape& s, bool parallel, F&& f) {
#pragma omp parallel if (parallel)
  {
    std::vector<T> scratch(static_cast<size_t>(s.D));
#pragma omp for schedule(static)
    for (int64_t lane = 0; lane < s.lanes(); ++lane) f(lane, lane % s.H, scratch.data());
  }
}

}  // namespace

void CpuBackend::shaped_mix(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                            const Tensor& gamma, Tensor& out) {
  require_contiguous(v, "shaped_mix", "v");
  require_contiguous(sv, "shaped_mix", "sv");
  dispatch_floating(v.dtype(), "shaped_mix", [&](auto tag) {
    using T = decltype(tag);
    const MixShape s = mix_shape(v);
    const T *vi = v.data<T>(), *si = sv.data<T>(), *a = alpha.data<T>(), *b = beta.data<T>(), *g = gamma.data<T>();
    T* o = out.data<T>();
    for_each_lane<T>(s, v.numel() > kParallelGrain, [&](int64_t lane, int64_t h, T* ac) {
      const T ah = a[h], bh = b[h], gh = g[h];
      std::fill(ac, ac + s.D, T(0));
      for (int64_t t = 0; t < s.T; ++t) {
        const int64_t off = s.at(lane, t);
        const T* vt = vi + off;
        const T* st = si + off;
        T* ot = o + off;
        const T inv = T(1) / static_cast<T>(t + 1);
#pragma omp simd
        for (int64_t d = 0; d < s.D; ++d) {
          ac[d] += vt[d];
          // α·V + (β·SV − γ·CV): the bracket is ~0 at init, when S = C.
          ot[d] = ah * vt[d] + (bh * st[d] - gh * (ac[d] * inv));
        }
      }
    });
  });
}

void CpuBackend::shaped_mix_backward(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                                     const Tensor& gamma, const Tensor& gout, Tensor& gv, Tensor& gsv, Tensor& galpha,
                                     Tensor& gbeta, Tensor& ggamma) {
  require_contiguous(gout, "shaped_mix_backward", "gout");
  dispatch_floating(v.dtype(), "shaped_mix_backward", [&](auto tag) {
    using T = decltype(tag);
    const MixShape s = mix_shape(v);
    const T *vi = v.data<T>(), *si = sv.data<T>(), *a = alpha.data<T>(), *b = beta.data<T>(), *g = gamma.data<T>();
    const T* gi = gout.data<T>();
    T *gvo = gv.data<T>(), *gso = gsv.data<T>();
    // Per-lane partial sums of g·V, g·SV, g·CV.
    std::vector<double> part(static_cast<size_t>(s.lanes()) * 3, 0.0);
    for_each_lane<T>(s, v.numel() > kParallelGrain, [&](int64_t lane, int64_t h, T* ac) {
      const T ah = a[h], bh = b[h], gh = g[h];
      // Forward in t: the gain sums (C·V recomputed as a running mean) and gSV = β·g.
      std::fill(ac, ac + s.D, T(0));
      T sa = 0, sb = 0, sc = 0;
      for (int64_t t = 0; t < s.T; ++t) {
        const int64_t off = s.at(lane, t);
        const T *vt = vi + off, *st = si + off, *gt = gi + off;
        T* gst = gso + off;
        const T inv = T(1) / static_cast<T>(t + 1);
#pragma omp simd reduction(+ : sa, sb, sc)
        for (int64_t d = 0; d < s.D; ++d) {
          ac[d] += vt[d];
          sa += gt[d] * vt[d];
          sb += gt[d] * st[d];
          sc += gt[d] * (ac[d] * inv);
          gst[d] = bh * gt[d];
        }
      }
      part[static_cast<size_t>(lane) * 3 + 0] = static_cast<double>(sa);
      part[static_cast<size_t>(lane) * 3 + 1] = static_cast<double>(sb);
      part[static_cast<size_t>(lane) * 3 + 2] = static_cast<double>(sc);
      // Backward in t: gV[t] = α·g[t] − γ·Σ_{u ≥ t} g[u]/(u+1)  (Cᵀ applied to g).
      std::fill(ac, ac + s.D, T(0));
      for (int64_t t = s.T - 1; t >= 0; --t) {
        const int64_t off = s.at(lane, t);
        const T* gt = gi + off;
        T* gvt = gvo + off;
        const T inv = T(1) / static_cast<T>(t + 1);
#pragma omp simd
        for (int64_t d = 0; d < s.D; ++d) {
          ac[d] += gt[d] * inv;
          gvt[d] = ah * gt[d] - gh * ac[d];
        }
      }
    });
    T *ga = galpha.data<T>(), *gb = gbeta.data<T>(), *gg = ggamma.data<T>();
    for (int64_t h = 0; h < s.H; ++h) {
      double sa = 0, sb = 0, sc = 0;
      for (int64_t bi = 0; bi < s.B; ++bi) {
        const size_t lane = static_cast<size_t>(bi * s.H + h);
        sa += part[lane * 3 + 0];
        sb += part[lane * 3 + 1];
        sc += part[lane * 3 + 2];
      }
      ga[h] = static_cast<T>(sa);
      gb[h] = static_cast<T>(sb);
      gg[h] = static_cast<T>(-sc);
    }
  });
}

}  // namespace weft::cpu
