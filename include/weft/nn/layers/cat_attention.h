// defines: CatAttention (+ the registered types cat, cat_avgkey, cat_causal) and
// the two token mixers circulant_mix / causal_lag_mix — CAT, circular-
// convolutional attention (Yamada 2025; the CAT paper).
//
// Per head h a scalar logit z^h_i per token replaces the T×T score matrix:
//   cat         z = X W_A (W_A ∈ R^{d×H}); ζ = softmax over the T positions;
//               O = circulant(ζ) V via FFT, O(T log T), bidirectional.
//   cat_avgkey  z_i = Q_i · mean_j K_j · scale (keeps W_Q, W_K; bidirectional:
//               the mean runs over every key).
//   cat_causal  O_i = Σ_{k≤i} w_k V_{i−k} / Σ_{k≤i} w_k, w = e^{ẑ − cap} with the
//               soft-capped ẑ = cap·tanh(z/cap): a lag-indexed, prefix-normalised
//               causal convolution; exactly causal (the causal_conv op's forward
//               never reads a later token).
// V = X W_V and the output projection W_O are kept; the block's AttentionContext
// is honoured as SoftmaxAttention does (value_out_gain on W_V/W_O init, the
// Magneto inner norm before W_O, biases, residual dropout).
#pragma once

#include <memory>
#include <string>

#include "weft/nn/attention_registry.h"
#include "weft/nn/layers/linear.h"

namespace weft {

// Which circulant: corr R_ij = ζ_{(j−i) mod T} (O = IFFT(conj(FFT ζ) ⊙ FFT V), the
// paper's, weft's default) or conv R_ij = ζ_{(i−j) mod T} (O = IFFT(FFT ζ ⊙ FFT V)).
enum class CatOrientation : uint8_t { corr, conv };

// ζ dropout: inverted dropout on the mixing weights (one mask per lag, shared by
// every output row: a circulant has one weight per lag).
struct MixDropout {
  double p = 0.0;
  bool training = false;
  Generator* gen = nullptr;
};

// z [..., T] logits, v [..., T, D] → circulant(softmax(z)) · v  [..., T, D].
Tensor circulant_mix(const Tensor& z, const Tensor& v, CatOrientation o, const MixDropout& drop = {});
// z [..., T] logits, v [..., T, D] → O_i = Σ_{k≤i} w_k v_{i−k} / Σ_{k≤i} w_k with
// w = exp(cap·tanh(z/cap) − cap): every weight lies in [e^{−2cap}, 1], so neither the
// numerator nor the prefix sum can overflow or underflow to 0, and the shift is a
// constant (a running max would depend on the future). ζ dropout applies to the
// numerator's weights only, so the normaliser stays exact in expectation.
Tensor causal_lag_mix(const Tensor& z, const Tensor& v, double cap, const MixDropout& drop = {});

enum class CatKind : uint8_t { circulant, avgkey, causal };

struct CatOptions {
  CatKind kind = CatKind::circulant;
  CatOrientation orientation = CatOrientation::corr;
  double z_cap = 10.0;        // cat_causal only
  double zeta_dropout = 0.0;  // dropout on the mixing weights
};

class CatAttention : public Attention {
 public:
  CatAttention(int64_t d, const AttentionContext& ctx, const CatOptions& o);
  // x [B, T, d] → [B, T, d]
  Tensor forward(const Tensor& x) override;
  // The per-head logits z [B, H, T] of x [B, T, d].
  Tensor logits(const Tensor& x) const;

 private:
  CatOptions opts_;
  std::shared_ptr<Linear> score_;  // W_A [d, H] (cat, cat_causal) or the fused W_Q|W_K [d, 2d] (cat_avgkey)
  std::shared_ptr<Linear> value_, proj_;
  std::shared_ptr<Module> inner_norm_;  // Magneto Sub-LN (the Magneto paper), or null
  int64_t n_heads_;
  double scale_;  // cat_avgkey: the parameterization's attention scale
  double dropout_;
  Generator* dropout_gen_;
};

// The registered types (`attn.type`); each reads its own options.
struct CatCirculantType {
  static Schema schema();
  static std::shared_ptr<Attention> create(const AttentionArgs& a);
};
struct CatAvgKeyType {
  static Schema schema();
  static std::shared_ptr<Attention> create(const AttentionArgs& a);
};
struct CatCausalType {
  static Schema schema();
  static std::shared_ptr<Attention> create(const AttentionArgs& a);
};

}  // namespace weft
