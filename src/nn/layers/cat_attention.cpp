#include "weft/nn/layers/cat_attention.h"

#include "weft/autograd/grad_mode.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/layers/attention.h"
#include "weft/ops/ops.h"

namespace weft {

Tensor circulant_mix(const Tensor& z, const Tensor& v, CatOrientation o, const MixDropout& drop) {
  Tensor zeta = dropout(softmax(z, -1), drop.p, drop.training, drop.gen);
  if (o == CatOrientation::corr) {
    // R_ij = ζ_{(j−i) mod T} is the plain circulant of ζ'_m = ζ_{(−m) mod T}:
    // reverse the lags 1..T−1 (a gather with its own backward), then convolve.
    const int64_t T = z.shape().back();
    std::vector<int64_t> lag(static_cast<size_t>(T));
    for (int64_t m = 0; m < T; ++m) lag[static_cast<size_t>(m)] = (T - m) % T;
    zeta = index_select(zeta, -1, Tensor::from_vector(lag, {T}, z.device()));
  }
  return circular_conv(zeta, v);
}

Tensor causal_lag_mix(const Tensor& z, const Tensor& v, double cap, const MixDropout& drop) {
  WEFT_CHECK(cap > 0.0, ValueError, "causal_lag_mix: z cap must be positive, got ", cap);
  Tensor w = exp(sub(mul(tanh(div(z, cap)), cap), cap));
  Tensor num = causal_conv(dropout(w, drop.p, drop.training, drop.gen), v);
  return div(num, unsqueeze(cumsum(w, -1), -1));
}

CatAttention::CatAttention(int64_t d, const AttentionContext& ctx, const CatOptions& o)
    : opts_(o), n_heads_(ctx.block.n_heads), dropout_(ctx.dropout), dropout_gen_(ctx.block.dropout_gen) {
  WEFT_CHECK(ctx.attn_dropout == 0.0, ConfigError, "model.block.attn_dropout = ", ctx.attn_dropout,
             ": CAT attention has no softmax probabilities to drop; its dropout is model.block.attn.zeta_dropout");
  const Parameterization& p = *ctx.block.param;
  scale_ = p.attn_scale(head_width("cat attention", d, n_heads_));
  LinearOptions score{ctx.bias, false, ParamRole::hidden_weight, 1.0, ctx.init_base};
  LinearOptions value{ctx.bias, false, ParamRole::hidden_weight, ctx.value_out_gain, ctx.init_base};
  LinearOptions proj{ctx.bias, true, ParamRole::hidden_weight, ctx.value_out_gain, ctx.init_base};
  Generator& g = *ctx.block.init_gen;
  if (o.kind == CatKind::avgkey)  // W_Q and W_K, initialised as two d×d maps, fused
    score_ = register_module("qk", std::make_shared<Linear>(d, 2 * d, p, g, score, d));
  else  // W_A: one logit per head
    score_ = register_module("wa", std::make_shared<Linear>(d, n_heads_, p, g, score));
  value_ = register_module("v", std::make_shared<Linear>(d, d, p, g, value));
  if (!ctx.inner_norm.empty()) inner_norm_ = register_module("inner_norm", make_norm(ctx.inner_norm, d, ctx.norm_eps));
  proj_ = register_module("proj", std::make_shared<Linear>(d, d, p, g, proj));
}

Tensor CatAttention::logits(const Tensor& x) const {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2), H = n_heads_, Dh = C / H;
  if (opts_.kind != CatKind::avgkey) return contiguous(permute(score_->forward(x), {0, 2, 1}));
  // Averaged-key CAT: z^h_i = Q^h_i · mean_j K^h_j · scale.
  Tensor qk = reshape(score_->forward(x), {B, T, 2, H, Dh});
  Tensor q = squeeze(narrow(qk, 2, 0, 1), 2);                      // [B, T, H, Dh]
  Tensor kbar = mean(squeeze(narrow(qk, 2, 1, 1), 2), {1}, true);  // [B, 1, H, Dh]
  Tensor z = mul(sum(mul(q, kbar), {3}), scale_);                  // [B, T, H]
  return contiguous(permute(z, {0, 2, 1}));
}

Tensor CatAttention::forward(const Tensor& x) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2), H = n_heads_, Dh = C / H;
  Tensor z = logits(x);  // [B, H, T]
  Tensor v = contiguous(permute(reshape(value_->forward(x), {B, T, H, Dh}), {0, 2, 1, 3}));
  const MixDropout drop{opts_.zeta_dropout, is_training(), dropout_gen_};
  Tensor y = opts_.kind == CatKind::causal ? causal_lag_mix(z, v, opts_.z_cap, drop)
                                           : circulant_mix(z, v, opts_.orientation, drop);
  y = reshape(contiguous(permute(y, {0, 2, 1, 3})), {B, T, C});
  if (inner_norm_) y = apply_norm(*inner_norm_, y);
  return dropout(proj_->forward(y), dropout_, is_training(), dropout_gen_);
}

namespace {

void add_cat_common_options(Schema& s) {
  s.add_number("zeta_dropout", 0.0).range(0.0, 0.95).help("dropout on the mixing weights ζ (one mask per lag)");
  s.add_int("alter_every", 0)
      .range(0, 4096)
      .help("CAT-Alter: k >= 2 makes every k-th block (layer_index % k == k-1) use softmax attention instead; 0 = off");
}

// CAT-Alter (the CAT paper): the softmax layers of an alternating stack.
bool use_softmax_here(const AttentionArgs& a) {
  const int64_t k = a.options.get<int64_t>("alter_every");
  return k >= 2 && a.ctx.block.layer_index % k == k - 1;
}

std::shared_ptr<Attention> make_cat(const AttentionArgs& a, CatOptions o) {
  if (use_softmax_here(a)) return std::make_shared<SoftmaxAttention>(a.ctx.block.shape.width, a.ctx);
  o.zeta_dropout = a.options.get<double>("zeta_dropout");
  return std::make_shared<CatAttention>(a.ctx.block.shape.width, a.ctx, o);
}

CatOrientation read_orientation(const ResolvedView& v) {
  return v.get<std::string>("orientation") == "conv" ? CatOrientation::conv : CatOrientation::corr;
}

Schema circulant_schema() {
  Schema s;
  s.add_choice("orientation", {"corr", "conv"}, "corr")
      .help("corr: R_ij = ζ_(j−i) mod T (the paper's); conv: R_ij = ζ_(i−j) mod T");
  add_cat_common_options(s);
  return s;
}

}  // namespace

Schema CatCirculantType::schema() {
  return circulant_schema();
}
std::shared_ptr<Attention> CatCirculantType::create(const AttentionArgs& a) {
  return make_cat(a, CatOptions{CatKind::circulant, read_orientation(a.options)});
}

Schema CatAvgKeyType::schema() {
  return circulant_schema();
}
std::shared_ptr<Attention> CatAvgKeyType::create(const AttentionArgs& a) {
  return make_cat(a, CatOptions{CatKind::avgkey, read_orientation(a.options)});
}

Schema CatCausalType::schema() {
  Schema s;
  // At most 40: the weights reach e^(−2cap), which must stay a normal f32
  // (e^(−80) ≈ 1.8e-35 > 1.2e-38); at cap 80, e^(−160) is 0 in f32 and a prefix whose
  // weights all underflow divides 0 by 0.
  s.add_number("z_cap", 10.0)
      .min(0.0, true)
      .max(40.0)
      .help(
          "soft cap of the logits, z → cap·tanh(z/cap), and the fixed shift c = cap: weights e^(z−c) in [e^(−2cap), "
          "1] (at most 40, so that e^(−2cap) is a normal f32)");
  add_cat_common_options(s);
  return s;
}
std::shared_ptr<Attention> CatCausalType::create(const AttentionArgs& a) {
  CatOptions o{CatKind::causal};
  o.z_cap = a.options.get<double>("z_cap");
  return make_cat(a, o);
}

WEFT_REGISTER_ATTENTION("cat", CatCirculantType, false,
                        "CAT: circular-convolutional attention, z = X W_A, O = circulant(softmax(z)) V via FFT "
                        "(bidirectional)");
WEFT_REGISTER_ATTENTION("cat_avgkey", CatAvgKeyType, false,
                        "averaged-key CAT: z_i = Q_i · mean_j K_j / sqrt(d_h), circulant mixing (bidirectional)");
WEFT_REGISTER_ATTENTION("cat_causal", CatCausalType, true,
                        "causal CAT: O_i = sum_k<=i e^z_k V_(i−k) / sum_k<=i e^z_k (lag-indexed, prefix-normalised, "
                        "soft-capped z), exactly causal FFT convolution");

}  // namespace weft
