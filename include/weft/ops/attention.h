// defines: causal_attention, qkv_attention — fused, flash-style tiled scaled-dot-product attention;
// shaped_combine — shaped attention's α·V + β·SV − γ·CV in one pass.
#pragma once

#include "weft/core/tensor.h"

namespace weft {

struct AttentionOptions {
  double scale = 0.0;  // 0 means 1/sqrt(d_head)
  bool causal = true;
  // Optional relative-position hook (ALiBi-style): per-head slopes [H]; the
  // logit of (i, j) gets −slope_h · (i − j). Treated as a constant (no gradient).
  // Shaped attention (SAS, variants.md §4) composes its α·I and γ·C terms and
  // per-head gains around this op: α·V + β·attn(Q,K,V) − γ·cumsum(V)/(i+1).
  Tensor alibi_slopes;
};

// q, k, v [B, H, T, D] → [B, H, T, D]. Memory O(B·H·T·D): the backward recomputes
// scores per tile from the saved row log-sum-exp; no T×T matrix is kept.
// Views with unit stride along D are read in place (no copy).
Tensor causal_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& opts = {});

// Multi-head self-attention straight from a fused projection: qkv [B, T, 3·H·D]
// (q, k, v each [B, T, H, D] side by side, the layout x·W_qkv produces) →
// [B, T, H·D] with heads merged. The same kernel as causal_attention, reading and
// writing the packed layouts through strided views, so no head split/merge copies
// are made forward or backward, and dq, dk, dv land in one [B, T, 3·H·D] gradient.
// alibi_slopes are not supported here.
Tensor qkv_attention(const Tensor& qkv, int64_t n_heads, const AttentionOptions& opts = {});

// Shaped attention's output (He & Hofmann 2024, §4; variants.md §4) from the values
// and the softmax attention output, both time-major [B, T, H, D], and per-head gains
// [H]: out[b, t, h] = α_h·v[b, t, h] + β_h·sv[b, t, h] − γ_h·mean(v[b, 0..t, h]) —
// A_h = α_h·I + β_h·S_h − γ_h·C applied with C·V as a prefix mean (no T×T matrix).
// One fused pass forward and backward; gradients reach v, sv and all three gains.
Tensor shaped_combine(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                      const Tensor& gamma);

}  // namespace weft
