// defines: PostLNBlock — the original Transformer's post-norm residual block
// (Vaswani et al. 2017): h = LN(α·x + r·Attn(x)), y = LN(α·h + r·MLP(h)), with
// r the parameterization's residual multiplier and α the skip weight (1 for
// post_ln; DeepNorm's α, blocks/deepnorm.h). The stack ends normalised, so the
// model adds no final norm.
#pragma once

#include <memory>

#include "weft/nn/blocks/pre_ln.h"

namespace weft {

struct PostLNOptions {
  PreLNOptions common;       // sub_ln and drop_path are not used by the post-norm block
  double skip_weight = 1.0;  // α: multiplies the skip, not the branch (the DeepNet paper pitfall)
};

class PostLNBlock : public Block {
 public:
  PostLNBlock(const BlockContext& ctx, const PostLNOptions& o, const ResolvedView& attn = {});
  Tensor forward(const Tensor& x) override;
  bool output_normalized() const override { return true; }
  bool mixes_positions_only_in_attention() const override { return true; }

  // Registry hooks (`block: {type: post_ln, ...}`).
  static Schema schema();
  static std::shared_ptr<Block> create(const LayerArgs& a);

 private:
  std::shared_ptr<Module> ln1_, ln2_;
  std::shared_ptr<Attention> attn_;
  std::shared_ptr<MLP> mlp_;
  double residual_mult_;
  double skip_weight_;
};

}  // namespace weft
