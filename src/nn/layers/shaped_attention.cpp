#include "weft/nn/layers/shaped_attention.h"

#include "weft/nn/attention_registry.h"
#include "weft/ops/ops.h"

namespace weft {

double init_gain_for_std(const Parameterization& p, int64_t d_in, int64_t d_out, double std) {
  const double base = p.init_std(InitRequest{ParamRole::hidden_weight, d_in, d_out});
  if (std == 0.0) return 0.0;
  WEFT_CHECK(base > 0.0, ValueError, "parameterization '", p.name(),
             "' initialises hidden matrices to zero; cannot scale that to std ", std);
  return std / base;
}

Tensor shaped_mix(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& alpha, const Tensor& beta,
                  const Tensor& gamma, double scale) {
  AttentionOptions ao;
  ao.scale = scale;
  Tensor sv = causal_attention(q, k, v, ao);  // reads strided head views in place
  // The mix runs time-major, [B, T, H, D]: there V is usually a plain view of the
  // block input, and the result is [B, T, d] without a head-merge copy.
  auto time_major = [](const Tensor& t) { return permute(t, {0, 2, 1, 3}); };
  // α·V + (β·SV − γ·CV), C·V the prefix mean: at init S = C, so the bracket is ~0 (S·V
  // comes from the tiled kernel, C·V from a prefix sum: equal up to rounding) and the
  // identity path α·V is not perturbed by adding and subtracting two large terms.
  return time_major(shaped_combine(time_major(v), time_major(sv), alpha, beta, gamma));
}

ShapedAttention::HeadGain ShapedAttention::make_gain(const std::string& name, double init, bool trainable,
                                                     const Parameterization& p) {
  InitRequest r{ParamRole::gain, n_heads_, n_heads_};
  Generator unused(0);  // gains are ones: init_parameter draws nothing for them
  Tensor t = mul(init_parameter(p, r, {n_heads_}, unused), init);
  if (!trainable) return HeadGain{nullptr, t};
  return HeadGain{&register_parameter(name, t, ParamRole::gain), Tensor()};
}

ShapedAttention::ShapedAttention(const BlockContext& ctx, const ShapedAttentionOptions& o) : n_heads_(ctx.n_heads) {
  const int64_t d = ctx.shape.width;
  const Parameterization& p = *ctx.param;
  scale_ = p.attn_scale(head_width("shaped attention", d, n_heads_));
  Generator& g = *ctx.init_gen;
  // W_q zero (S = C at init: the identity map), W_k small; no biases.
  LinearOptions q{false, false, ParamRole::hidden_weight, init_gain_for_std(p, d, d, o.query_init_std)};
  LinearOptions k{false, false, ParamRole::hidden_weight, init_gain_for_std(p, d, d, o.key_init_std)};
  wq_ = register_module("wq", std::make_shared<Linear>(d, d, p, g, q));
  wk_ = register_module("wk", std::make_shared<Linear>(d, d, p, g, k));
  alpha_ = make_gain("alpha", o.alpha, o.trainable, p);
  beta_ = make_gain("beta", o.beta, o.trainable, p);
  // γ = 0 stays a constant: a zero-initialised trainable γ would add a C·V path the
  // reference code does not have (the SAS paper).
  gamma_ = make_gain("gamma", o.gamma, o.trainable && o.gamma != 0.0, p);
  if (o.trainable_value) {
    InitRequest dw{ParamRole::hidden_weight, d, d, false, 0.0};  // ΔW = 0 at init
    value_delta_ = &register_parameter("value_delta", init_parameter(p, dw, {d, d}, g), ParamRole::hidden_weight);
    InitRequest s{ParamRole::gain, 1, 1};
    value_r_ = &register_parameter("value_r", init_parameter(p, s, {1}, g), ParamRole::gain);
    value_s_ = &register_parameter("value_s", init_parameter(p, s, {1}, g), ParamRole::gain);
  }
}

Tensor ShapedAttention::forward(const Tensor& x) const {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2), H = n_heads_, Dh = C / H;
  // Head views, not copies: the attention kernel reads unit-stride-D views in place.
  auto heads = [&](const Tensor& t) { return permute(reshape(t, {B, T, H, Dh}), {0, 2, 1, 3}); };
  // V = X (r·ΔW + s·I) = r·(X ΔW) + s·X in block 0 (trainable_identity), else V = X.
  Tensor vx = x;
  if (value_delta_) vx = add(mul(matmul(x, value_delta_->tensor), value_r_->tensor), mul(x, value_s_->tensor));
  Tensor y = shaped_mix(heads(wq_->forward(x)), heads(wk_->forward(x)), heads(vx), alpha_.value(), beta_.value(),
                        gamma_.value(), scale_);
  return reshape(permute(y, {0, 2, 1, 3}), {B, T, C});  // y is time-major underneath: no copy
}

}  // namespace weft
