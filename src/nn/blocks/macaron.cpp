#include "weft/nn/blocks/macaron.h"

#include "weft/ops/ops.h"

namespace weft {

namespace {
const CommonBlockDefaults kMacaronDefaults{2.0, "relu", "norm_type"};
}

Schema MacaronBlock::schema() {
  Schema s;
  add_common_block_options(s, kMacaronDefaults);
  s.add_number("half_step", 0.5).range(0.0, 10.0).help("factor on each FFN branch (the ½ of the splitting step)");
  s.add_choice("norm", {"pre", "post"}, "pre").help("norm placement: pre-LN (released scripts) or post-LN (paper)");
  s.add_number("act_dropout", 0.0).range(0.0, 0.95).help("dropout on the FFN activations");
  return s;
}

std::shared_ptr<Block> MacaronBlock::create(const LayerArgs& a) {
  const ResolvedView& v = a.options;
  MacaronOptions o;
  o.common = read_common_block_options(v, kMacaronDefaults);
  o.common.mlp.act_dropout = v.get<double>("act_dropout");
  o.half_step = v.get<double>("half_step");
  o.post_norm = v.get<std::string>("norm") == "post";
  return std::make_shared<MacaronBlock>(a.ctx, o, v.at("attn"));
}

WEFT_REGISTER_LAYER(block, "macaron", MacaronBlock,
                    "Macaron: x + ½FFN(LN(x)), then + Attn(LN(.)), then + ½FFN(LN(.)); half-width FFNs");

MacaronBlock::MacaronBlock(const BlockContext& ctx, const MacaronOptions& o, const ResolvedView& attn)
    : residual_mult_(ctx.param->residual_mult()), half_step_(o.half_step), post_norm_(o.post_norm) {
  PreLNOptions c = o.common;
  c.sub_ln = false;
  const int64_t d = ctx.shape.width;
  const MLPOptions mo = block_mlp_options(c);
  auto ffn = [&] { return std::make_shared<MLP>(d, mo, *ctx.param, *ctx.init_gen, ctx.dropout_gen); };
  ln1_ = register_module("ln1", make_norm(c.norm, d, c.norm_eps));
  ffn1_ = register_module("ffn1", ffn());
  ln2_ = register_module("ln2", make_norm(c.norm, d, c.norm_eps));
  attn_ = register_module("attn", build_attention(attn, block_attention_context(ctx, c)));
  ln3_ = register_module("ln3", make_norm(c.norm, d, c.norm_eps));
  ffn2_ = register_module("ffn2", ffn());
}

Tensor MacaronBlock::forward(const Tensor& x) {
  // One residual sub-step: pre-LN adds the branch of the normalised input,
  // post-LN normalises the sum; `factor` scales the branch only.
  auto step = [&](const Tensor& in, const Module& norm, auto&& branch, double factor) {
    const double f = residual_mult_ * factor;
    if (post_norm_) return apply_norm(norm, add(in, scale_branch(branch(in), f)));
    return add(in, scale_branch(branch(apply_norm(norm, in)), f));
  };
  auto ffn1 = [&](const Tensor& t) { return ffn1_->forward(t); };
  auto ffn2 = [&](const Tensor& t) { return ffn2_->forward(t); };
  auto attn = [&](const Tensor& t) { return attn_->forward(t); };
  Tensor a = step(x, *ln1_, ffn1, half_step_);
  Tensor b = step(a, *ln2_, attn, 1.0);
  return step(b, *ln3_, ffn2, half_step_);
}

}  // namespace weft
