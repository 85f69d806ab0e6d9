#include "weft/nn/blocks/simplified.h"

#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/layers/norms.h"
#include "weft/ops/ops.h"

namespace weft {

namespace {

// N_1 / N_2 of a simplified block; null = identity.
std::shared_ptr<Module> simplified_norm(const std::string& kind, int64_t d, double eps, bool embedding_norm) {
  if (kind == "rmsnorm") return std::make_shared<RMSNorm>(d, eps, RmsEps::outside_root);
  if (kind == "layernorm") return make_norm("layernorm", d, eps);
  // Norm-free: only block 0's first norm, which normalises the embedding, stays.
  return embedding_norm ? make_norm("layernorm", d, eps) : nullptr;
}

}  // namespace

Schema SimplifiedBlock::schema(bool parallel) {
  Schema shaped;
  shaped.add_number("alpha", 1.0).range(-100.0, 100.0).help("α: init of the per-head identity gains");
  shaped.add_number("beta", 1.0).range(-100.0, 100.0).help("β: init of the per-head softmax gains");
  shaped.add_number("gamma", 1.0).range(-100.0, 100.0).help("γ: init of the per-head causal-uniform gains");
  shaped.add_bool("trainable", true).help("α, β (and γ when non-zero) are trainable parameters");
  Schema s;
  s.add_section("shaped", shaped).help("shaped attention A_h = α_h I + β_h S_h − γ_h C");
  s.add_number("query_init_std", 0.0).range(0.0, 10.0).help("W_q ~ N(0, std²) (0: zeros, so A = I at init)");
  s.add_number("key_init_std", 0.02).range(0.0, 10.0).help("W_k ~ N(0, std²)");
  s.add_number("attn_resid_gain", 1.0).range(-100.0, 100.0).help("β_SA: init of the attention branch gain");
  s.add_number("mlp_resid_gain", 0.1).range(-100.0, 100.0).help("β_FF: init of the MLP branch gain (~O(1/√L))");
  s.add_number("mlp_skip_gain", parallel ? 0.0 : 1.0)
      .range(-100.0, 100.0)
      .help(parallel ? "α_FF: gain of a skip x around the whole block (0: none, the paper's SAS-P)"
                     : "α_FF: init of the skip gain around the MLP (0: none)");
  s.add_choice("first_layer_value", {"trainable_identity", "identity"}, "trainable_identity")
      .help("block 0's values: X (r·ΔW + s·I) with ΔW = 0, r = s = 1 at init, or X itself");
  s.add_choice("norm", {"rmsnorm", "layernorm", "none"}, "rmsnorm")
      .help("rmsnorm: x / (rms(x) + eps) · g; none: identity except a LayerNorm at block 0's first norm");
  s.add_number("norm_eps", 1e-5).min(0.0, true).max(1.0).help("epsilon of the norms");
  s.add_number("ffn_mult", 4.0).min(0.0, true).max(64).help("MLP hidden width as a multiple of d_model");
  s.add_choice("activation", {"relu", "gelu", "gelu_erf", "silu"}, "relu").help("MLP activation");
  s.add_bool("mlp_bias", false).help("biases in the MLP");
  add_layerdrop_option(s);
  return s;
}

SimplifiedBlockOptions SimplifiedBlock::read_options(const ResolvedView& v, bool parallel, int64_t layer_index) {
  SimplifiedBlockOptions o;
  o.parallel = parallel;
  ResolvedView sh = v.at("shaped");
  o.shaped.alpha = sh.get<double>("alpha");
  o.shaped.beta = sh.get<double>("beta");
  o.shaped.gamma = sh.get<double>("gamma");
  o.shaped.trainable = sh.get<bool>("trainable");
  o.shaped.query_init_std = v.get<double>("query_init_std");
  o.shaped.key_init_std = v.get<double>("key_init_std");
  o.shaped.trainable_value = layer_index == 0 && v.get<std::string>("first_layer_value") == "trainable_identity";
  o.attn_resid_gain = v.get<double>("attn_resid_gain");
  o.mlp_resid_gain = v.get<double>("mlp_resid_gain");
  o.mlp_skip_gain = v.get<double>("mlp_skip_gain");
  o.norm = v.get<std::string>("norm");
  o.norm_eps = v.get<double>("norm_eps");
  o.mlp.ffn_mult = v.get<double>("ffn_mult");
  o.mlp.activation = v.get<std::string>("activation");
  o.mlp.bias = v.get<bool>("mlp_bias");
  return o;
}

SimplifiedBlock::SimplifiedBlock(const BlockContext& ctx, const SimplifiedBlockOptions& o)
    : parallel_(o.parallel), residual_mult_(ctx.param->residual_mult()) {
  const int64_t d = ctx.shape.width;
  n1_ = simplified_norm(o.norm, d, o.norm_eps, ctx.layer_index == 0);
  if (n1_) register_module("ln1", n1_);
  attn_ = register_module("attn", std::make_shared<ShapedAttention>(ctx, o.shaped));
  if (!o.parallel) {
    n2_ = simplified_norm(o.norm, d, o.norm_eps, false);
    if (n2_) register_module("ln2", n2_);
  }
  MLPOptions mo = o.mlp;
  mo.residual_output_init = false;  // both MLP matrices N(0, std²), no 1/√(2L) (the SAS paper)
  mlp_ = register_module("mlp", std::make_shared<MLP>(d, mo, *ctx.param, *ctx.init_gen, ctx.dropout_gen));
  auto gain = [&](const char* name, double init) {
    Generator unused(0);  // gains are ones: init_parameter draws nothing for them
    Tensor t = mul(init_parameter(*ctx.param, InitRequest{ParamRole::gain, 1, 1}, {1}, unused), init);
    return &register_parameter(name, t, ParamRole::gain);
  };
  attn_gain_ = gain("attn_gain", o.attn_resid_gain);
  mlp_gain_ = gain("mlp_gain", o.mlp_resid_gain);
  if (o.mlp_skip_gain != 0.0) skip_gain_ = gain("skip_gain", o.mlp_skip_gain);
}

Tensor SimplifiedBlock::norm(const std::shared_ptr<Module>& n, const Tensor& x) const {
  return n ? apply_norm(*n, x) : x;
}

Tensor SimplifiedBlock::forward(const Tensor& x) {
  // r·β·branch: the residual multiplier composes with the trainable branch gain.
  auto branch = [&](const Tensor& h, const Parameter* g) {
    Tensor y = mul(h, g->tensor);
    return residual_mult_ == 1.0 ? y : mul(y, residual_mult_);
  };
  Tensor h = norm(n1_, x);
  Tensor a = branch(attn_->forward(h), attn_gain_);
  if (parallel_) {
    Tensor y = add(a, branch(mlp_->forward(h), mlp_gain_));
    return skip_gain_ ? add(mul(x, skip_gain_->tensor), y) : y;
  }
  Tensor m = branch(mlp_->forward(norm(n2_, a)), mlp_gain_);
  return skip_gain_ ? add(mul(a, skip_gain_->tensor), m) : m;
}

std::shared_ptr<Block> SASBlock::create(const LayerArgs& a) {
  return std::make_shared<SASBlock>(a.ctx, read_options(a.options, false, a.ctx.layer_index));
}

std::shared_ptr<Block> SASParallelBlock::create(const LayerArgs& a) {
  return std::make_shared<SASParallelBlock>(a.ctx, read_options(a.options, true, a.ctx.layer_index));
}

WEFT_REGISTER_LAYER(block, "sas", SASBlock,
                    "simplified block (He & Hofmann 2024): a = SA(N1(x)) with shaped attention, "
                    "y = a + 0.1·MLP(N2(a)); no skips, no value/output projections [recomputes when generating: "
                    "shaped attention's prefix mean has no KV cache]");
WEFT_REGISTER_LAYER(block, "sas_p", SASParallelBlock,
                    "simplified parallel block (He & Hofmann 2024): y = SA(N1(x)) + 0.1·MLP(N1(x)) with shaped "
                    "attention; no skips at all [recomputes when generating: shaped attention's prefix mean has no KV "
                    "cache]");

}  // namespace weft
