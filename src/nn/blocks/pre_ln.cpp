#include "weft/nn/blocks/pre_ln.h"

#include "weft/ops/ops.h"

namespace weft {

std::shared_ptr<Module> make_norm(const std::string& kind, int64_t dim, double eps) {
  if (kind == "layernorm") return std::make_shared<LayerNorm>(dim, true, eps);
  if (kind == "rmsnorm") return std::make_shared<RMSNorm>(dim, eps);
  throw ValueError("unknown norm '" + kind + "' (expected layernorm or rmsnorm)");
}

Tensor apply_norm(const Module& norm, const Tensor& x) {
  if (auto* ln = dynamic_cast<const LayerNorm*>(&norm)) return ln->forward(x);
  if (auto* rn = dynamic_cast<const RMSNorm*>(&norm)) return rn->forward(x);
  throw Error("apply_norm: not a norm module");
}

Tensor scale_branch(const Tensor& branch, double r) {
  return r == 1.0 ? branch : mul(branch, r);
}

Tensor drop_path(const Tensor& branch, double p, bool training, Generator* gen) {
  if (!training || p == 0.0) return branch;
  // One keep/drop per sample: dropout of a [B, 1, 1] tensor of ones, broadcast.
  Tensor keep = dropout(Tensor::ones({branch.size(0), 1, 1}, branch.dtype(), branch.device()), p, true, gen);
  return mul(branch, keep);
}

void add_common_block_options(Schema& s, const CommonBlockDefaults& d) {
  s.add_number("ffn_mult", d.ffn_mult).min(0.0, true).max(64).help("MLP hidden width as a multiple of d_model");
  s.add_choice("activation", {"gelu", "gelu_erf", "relu", "silu"}, d.activation)
      .help("MLP activation (gelu = tanh approximation)");
  s.add_bool("bias", true).help("biases in the attention and MLP projections");
  s.add_number("dropout", 0.0).range(0.0, 0.95).help("residual dropout on each branch's output");
  s.add_number("attn_dropout", 0.0)
      .range(0.0, 0.95)
      .help("dropout on the attention probabilities, after the softmax (softmax attention)");
  s.add_choice(d.norm_kind_key, {"layernorm", "rmsnorm"}, "layernorm").help("normalisation layer");
  s.add_number("norm_eps", 1e-5).min(0.0, true).max(1.0).help("epsilon of the norms");
  add_attention_option(s);
  add_layerdrop_option(s);
}

PreLNOptions read_common_block_options(const ResolvedView& v, const CommonBlockDefaults& d) {
  PreLNOptions o;
  o.mlp.ffn_mult = v.get<double>("ffn_mult");
  o.mlp.activation = v.get<std::string>("activation");
  o.mlp.bias = v.get<bool>("bias");
  o.attn_bias = o.mlp.bias;
  o.dropout = v.get<double>("dropout");
  o.attn_dropout = v.get<double>("attn_dropout");
  o.norm = v.get<std::string>(d.norm_kind_key);
  o.norm_eps = v.get<double>("norm_eps");
  return o;
}

AttentionContext block_attention_context(const BlockContext& ctx, const PreLNOptions& o) {
  AttentionContext ac;
  ac.block = ctx;
  ac.bias = o.attn_bias;
  ac.dropout = o.dropout;
  ac.attn_dropout = o.attn_dropout;
  ac.value_out_gain = o.init.gain;
  ac.value_out_gain_on_bias = o.init.gain_on_bias;
  ac.init_base = o.init.base;
  if (o.sub_ln) ac.inner_norm = o.norm;
  ac.norm_eps = o.norm_eps;
  return ac;
}

MLPOptions block_mlp_options(const PreLNOptions& o) {
  MLPOptions mo = o.mlp;
  mo.dropout = o.dropout;
  mo.init = o.init;
  mo.inner_norm = o.sub_ln ? o.norm : "";
  mo.norm_eps = o.norm_eps;
  return mo;
}

Schema PreLNBlock::schema() {
  Schema s;
  add_common_block_options(s);
  return s;
}

std::shared_ptr<Block> PreLNBlock::create(const LayerArgs& a) {
  return std::make_shared<PreLNBlock>(a.ctx, read_common_block_options(a.options), a.options.at("attn"));
}

WEFT_REGISTER_LAYER(block, "pre_ln", PreLNBlock, "pre-LN residual block: x + Attn(LN(x)), then x + MLP(LN(x))");

PreLNBlock::PreLNBlock(const BlockContext& ctx, const PreLNOptions& o, const ResolvedView& attn)
    : residual_mult_(ctx.param->residual_mult()), drop_path_(o.drop_path), dropout_gen_(ctx.dropout_gen) {
  const int64_t d = ctx.shape.width;
  ln1_ = register_module("ln1", make_norm(o.norm, d, o.norm_eps));
  attn_ = register_module("attn", build_attention(attn, block_attention_context(ctx, o)));
  ln2_ = register_module("ln2", make_norm(o.norm, d, o.norm_eps));
  mlp_ = register_module("mlp", std::make_shared<MLP>(d, block_mlp_options(o), *ctx.param, *ctx.init_gen,
                                                      ctx.dropout_gen));
}

Tensor PreLNBlock::forward(const Tensor& x) {
  auto branch = [&](const Tensor& h) {
    return drop_path(scale_branch(h, residual_mult_), drop_path_, is_training(), dropout_gen_);
  };
  Tensor h = add(x, branch(attn_->forward(apply_norm(*ln1_, x))));
  return add(h, branch(mlp_->forward(apply_norm(*ln2_, h))));
}

}  // namespace weft
