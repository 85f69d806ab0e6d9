// defines: MacaronBlock — Macaron Net (Lu et al. 2019; the Macaron paper): a
// Strang–Marchuk splitting step, half a step of FFN, a full step of attention,
// half a step of a second FFN:
//   pre  (default):  a = x + ½·FFN₁(LN₁(x));  b = a + Attn(LN₂(a));  y = b + ½·FFN₂(LN₃(b))
//   post:            a = LN₁(x + ½·FFN₁(x));  b = LN₂(a + Attn(a));  y = LN₃(b + ½·FFN₂(b))
// ½ = `half_step`, on the FFN branches only (never the skip, never attention);
// every branch is also multiplied by the parameterization's residual multiplier.
// Each FFN has half the baseline width (ffn_mult 2 = a pre-LN block's 4), so the
// parameter count matches the baseline up to one norm and one bias vector.
// Deviation: one activation for both FFNs (the reference BERT code uses ReLU
// then GELU).
#pragma once

#include <memory>

#include "weft/nn/blocks/pre_ln.h"

namespace weft {

struct MacaronOptions {
  PreLNOptions common;  // ffn_mult is per FFN
  double half_step = 0.5;
  bool post_norm = false;
};

class MacaronBlock : public Block {
 public:
  MacaronBlock(const BlockContext& ctx, const MacaronOptions& o, const ResolvedView& attn = {});
  Tensor forward(const Tensor& x) override;
  bool output_normalized() const override { return post_norm_; }
  bool mixes_positions_only_in_attention() const override { return true; }

  // Registry hooks (`block: {type: macaron, ...}`).
  static Schema schema();
  static std::shared_ptr<Block> create(const LayerArgs& a);

 private:
  std::shared_ptr<Module> ln1_, ln2_, ln3_;
  std::shared_ptr<MLP> ffn1_, ffn2_;
  std::shared_ptr<Attention> attn_;
  double residual_mult_;
  double half_step_;
  bool post_norm_;
};

}  // namespace weft
