// defines: PreLNBlock — x + r·Attn(LN(x)), then x + r·MLP(LN(x)) (GPT-2 / Xiong et al.
// 2020), r = the parameterization's residual multiplier.
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
  MLPOptions mlp;
  bool attn_bias = true;
  double dropout = 0.0;  // residual dropout on both branches
  std::string norm = "layernorm";  // layernorm | rmsnorm
  double norm_eps = 1e-5;
};

class PreLNBlock : public Block {
 public:
  // attn: the validated `attn:` section of the block.
  PreLNBlock(const BlockContext& ctx, const PreLNOptions& o, const ResolvedView& attn = {});
  Tensor forward(const Tensor& x) override;

  // Registry hooks (`block: {type: pre_ln, ...}`).
  static Schema schema();
  static std::shared_ptr<Block> create(const LayerArgs& a);

 private:
  std::shared_ptr<Module> ln1_, ln2_;
  std::shared_ptr<Attention> attn_;
  std::shared_ptr<MLP> mlp_;
  double residual_mult_;
};

// The options every standard block shares (ffn_mult, activation, bias, dropout,
// norm, attn).
void add_common_block_options(Schema& s);
PreLNOptions read_common_block_options(const ResolvedView& v);

// LayerNorm or RMSNorm module by name (shared by the block types).
std::shared_ptr<Module> make_norm(const std::string& kind, int64_t dim, double eps);
Tensor apply_norm(const Module& norm, const Tensor& x);

}  // namespace weft
