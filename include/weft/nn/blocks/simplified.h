// defines: SimplifiedBlock and its registered types SASBlock (`sas`) and
// SASParallelBlock (`sas_p`) — He & Hofmann's simplified transformer blocks
// (ICLR 2024; the SAS paper): shaped attention instead of a skip connection,
// no value/output projections, ReLU MLP without biases.
//
//   sas:    a = r·β_SA·SA(N_1(x));  y = α_FF·a + r·β_FF·MLP(N_2(a))
//   sas_p:  y = α_FF·x + r·β_SA·SA(N_1(x)) + r·β_FF·MLP(N_1(x))     (α_FF = 0 by default)
//
// β_SA (init 1), β_FF (init 0.1) and α_FF (init 1 in sas) are trainable scalar gains
// (ParamRole::gain: no weight decay). r is the parameterization's residual
// multiplier (1 under SP): it multiplies the outputs of the two gained branches, i.e.
// it acts as a fixed extra factor on β_SA and β_FF. Since sas has no identity skip
// around attention, r < 1 (µP/CompleteP depth scaling) also scales the shaped
// attention's α·I path; the paper's A = I-at-init argument assumes r = 1.
// Norms: `rmsnorm` is the paper's x / (rms(x) + ε) with a gain; `none` is the
// "norm-free" variant (identity everywhere except a LayerNorm at block 0's N_1).
#pragma once

#include <memory>
#include <string>

#include "weft/nn/block.h"
#include "weft/nn/layers/mlp.h"
#include "weft/nn/layers/shaped_attention.h"
#include "weft/nn/registry.h"

namespace weft {

struct SimplifiedBlockOptions {
  bool parallel = false;  // sas_p
  ShapedAttentionOptions shaped;
  double attn_resid_gain = 1.0;  // β_SA
  double mlp_resid_gain = 0.1;   // β_FF (shrink like O(1/√L) for other depths; 0.1 was used at 18 layers)
  double mlp_skip_gain = 1.0;    // α_FF; 0 = no skip (and no parameter)
  std::string norm = "rmsnorm";  // rmsnorm | layernorm | none
  double norm_eps = 1e-5;
  MLPOptions mlp;  // ReLU, no biases, no 1/√(2L) output init scaling
};

class SimplifiedBlock : public Block {
 public:
  SimplifiedBlock(const BlockContext& ctx, const SimplifiedBlockOptions& o);
  Tensor forward(const Tensor& x) override;

  static Schema schema(bool parallel);
  static SimplifiedBlockOptions read_options(const ResolvedView& v, bool parallel, int64_t layer_index);

 private:
  Tensor norm(const std::shared_ptr<Module>& n, const Tensor& x) const;

  std::shared_ptr<Module> n1_, n2_;  // null = identity
  std::shared_ptr<ShapedAttention> attn_;
  std::shared_ptr<MLP> mlp_;
  Parameter* attn_gain_ = nullptr;
  Parameter* mlp_gain_ = nullptr;
  Parameter* skip_gain_ = nullptr;  // null when mlp_skip_gain = 0
  bool parallel_;
  double residual_mult_;
};

struct SASBlock : SimplifiedBlock {
  using SimplifiedBlock::SimplifiedBlock;
  static Schema schema() { return SimplifiedBlock::schema(false); }
  static std::shared_ptr<Block> create(const LayerArgs& a);
};

struct SASParallelBlock : SimplifiedBlock {
  using SimplifiedBlock::SimplifiedBlock;
  static Schema schema() { return SimplifiedBlock::schema(true); }
  static std::shared_ptr<Block> create(const LayerArgs& a);
};

}  // namespace weft
