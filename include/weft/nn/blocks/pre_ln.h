// defines: PreLNBlock — x + r·Attn(LN(x)), then x + r·MLP(LN(x)) (GPT-2 / Xiong et al.
// 2020), r = the parameterization's residual multiplier. With `sub_ln` and a
// branch init gain it is also the Magneto / Sub-LN block (the Magneto paper,
// blocks/magneto.h), which is pre-LN plus one norm inside each branch.
#pragma once

#include <memory>

#include "weft/config/schema.h"
#include "weft/nn/block.h"
#include "weft/nn/registry.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/layers/mlp.h"
#include "weft/nn/layers/norms.h"

namespace weft {

struct PreLNOptions {
  MLPOptions mlp;  // width, activation, bias, act_dropout (dropout, inner norm and init come from below)
  bool attn_bias = true;
  double dropout = 0.0;            // residual dropout on both branches
  double attn_dropout = 0.0;       // dropout on the attention probabilities
  std::string norm = "layernorm";  // layernorm | rmsnorm
  double norm_eps = 1e-5;
  // Magneto (the Magneto paper): Sub-LN norms before the attention output projection
  // and before fc2, and the γ init of v/o/fc1/fc2. Off/1 = the plain pre-LN block.
  bool sub_ln = false;
  BranchInit init;
  double drop_path = 0.0;  // this block's stochastic-depth rate (per sample, rescaled by 1/(1−p))
};

class PreLNBlock : public Block {
 public:
  // attn: the validated `attn:` section of the block.
  PreLNBlock(const BlockContext& ctx, const PreLNOptions& o, const ResolvedView& attn = {});
  Tensor forward(const Tensor& x) override;
  bool mixes_positions_only_in_attention() const override { return true; }

  // Registry hooks (`block: {type: pre_ln, ...}`).
  static Schema schema();
  static std::shared_ptr<Block> create(const LayerArgs& a);

 private:
  std::shared_ptr<Module> ln1_, ln2_;
  std::shared_ptr<Attention> attn_;
  std::shared_ptr<MLP> mlp_;
  double residual_mult_;
  double drop_path_;
  Generator* dropout_gen_;
};

// The defaults that differ between block types (Macaron: half-width ReLU FFNs,
// and `norm` names its placement, so the norm kind is `norm_type`).
struct CommonBlockDefaults {
  double ffn_mult = 4.0;
  std::string activation = "gelu";
  std::string norm_kind_key = "norm";
};

// The options every standard block shares (ffn_mult, activation, bias, dropout,
// norm kind, norm_eps, attn, layerdrop).
void add_common_block_options(Schema& s, const CommonBlockDefaults& d = {});
PreLNOptions read_common_block_options(const ResolvedView& v, const CommonBlockDefaults& d = {});

// What a standard block passes to its attention and MLP: biases, residual
// dropout, the branch init (γ/β on v/o and fc1/fc2, base distribution), and with
// `sub_ln` the inner norms (the Magneto paper).
AttentionContext block_attention_context(const BlockContext& ctx, const PreLNOptions& o);
MLPOptions block_mlp_options(const PreLNOptions& o);

// LayerNorm or RMSNorm module by name (shared by the block types).
std::shared_ptr<Module> make_norm(const std::string& kind, int64_t dim, double eps);
Tensor apply_norm(const Module& norm, const Tensor& x);

// r·branch (r = the parameterization's residual multiplier; skipped when 1, so
// r = 1 is bit-identical to no multiplier).
Tensor scale_branch(const Tensor& branch, double r);

// Stochastic depth (DropPath): zeroes the branch of each sample with probability
// p and rescales the kept ones by 1/(1−p); identity in eval or when p = 0.
Tensor drop_path(const Tensor& branch, double p, bool training, Generator* gen);

}  // namespace weft
