#include "weft/nn/blocks/post_ln.h"

#include "weft/ops/ops.h"

namespace weft {

Schema PostLNBlock::schema() {
  Schema s;
  add_common_block_options(s);
  return s;
}

std::shared_ptr<Block> PostLNBlock::create(const LayerArgs& a) {
  PostLNOptions o;
  o.common = read_common_block_options(a.options);
  return std::make_shared<PostLNBlock>(a.ctx, o, a.options.at("attn"));
}

WEFT_REGISTER_LAYER(
    block, "post_ln", PostLNBlock,
    "post-LN residual block (original Transformer): LN(x + Attn(x)), then LN(h + MLP(h)); no final norm");

PostLNBlock::PostLNBlock(const BlockContext& ctx, const PostLNOptions& o, const ResolvedView& attn)
    : residual_mult_(ctx.param->residual_mult()), skip_weight_(o.skip_weight) {
  const int64_t d = ctx.shape.width;
  PreLNOptions c = o.common;
  c.sub_ln = false;  // post-LN has no inner norms
  attn_ = register_module("attn", build_attention(attn, block_attention_context(ctx, c)));
  ln1_ = register_module("ln1", make_norm(c.norm, d, c.norm_eps));
  mlp_ = register_module("mlp",
                         std::make_shared<MLP>(d, block_mlp_options(c), *ctx.param, *ctx.init_gen, ctx.dropout_gen));
  ln2_ = register_module("ln2", make_norm(c.norm, d, c.norm_eps));
}

Tensor PostLNBlock::forward(const Tensor& x) {
  // The norm comes after the sum (the DeepNet paper pitfall); α = 1 skips the multiply.
  auto skip = [&](const Tensor& t) { return skip_weight_ == 1.0 ? t : mul(t, skip_weight_); };
  Tensor h = apply_norm(*ln1_, add(skip(x), scale_branch(attn_->forward(x), residual_mult_)));
  return apply_norm(*ln2_, add(skip(h), scale_branch(mlp_->forward(h), residual_mult_)));
}

}  // namespace weft
