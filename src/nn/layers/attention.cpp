#include "weft/nn/layers/attention.h"

#include "weft/autograd/grad_mode.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/ops/ops.h"

namespace weft {

namespace {
// Multiplies columns [from, from+count) of a weight (and of its bias) by g, so
// only the value slice of a fused qkv projection carries the block's init gain.
void scale_columns(Linear& l, int64_t from, int64_t count, double g, bool on_bias) {
  if (g == 1.0) return;
  NoGradGuard ng;
  Tensor w = narrow(l.weight().tensor, 1, from, count);
  w.copy_(mul(w, g));
  if (l.bias() && on_bias) {
    Tensor b = narrow(l.bias()->tensor, 0, from, count);
    b.copy_(mul(b, g));
  }
}
}  // namespace

SoftmaxAttention::SoftmaxAttention(int64_t d, const AttentionContext& ctx)
    : n_heads_(ctx.block.n_heads),
      dropout_(ctx.dropout),
      attn_dropout_(ctx.attn_dropout),
      dropout_gen_(ctx.block.dropout_gen) {
  const Parameterization& p = *ctx.block.param;
  scale_ = p.attn_scale(head_width("attention", d, n_heads_));
  LinearOptions qkv{ctx.bias, false, ParamRole::hidden_weight, 1.0, ctx.init_base};
  LinearOptions proj{ctx.bias, true, ParamRole::hidden_weight, ctx.value_out_gain, ctx.init_base,
                     ctx.value_out_gain_on_bias};
  // q, k and v are initialised as three d×d maps (fan_out d each), then fused.
  qkv_ = register_module("qkv", std::make_shared<Linear>(d, 3 * d, p, *ctx.block.init_gen, qkv, d));
  scale_columns(*qkv_, 2 * d, d, ctx.value_out_gain, ctx.value_out_gain_on_bias);
  if (!ctx.inner_norm.empty()) inner_norm_ = register_module("inner_norm", make_norm(ctx.inner_norm, d, ctx.norm_eps));
  proj_ = register_module("proj", std::make_shared<Linear>(d, d, p, *ctx.block.init_gen, proj));
}

Tensor SoftmaxAttention::forward(const Tensor& x) {
  AttentionOptions ao;
  ao.scale = scale_;
  ao.dropout = is_training() ? attn_dropout_ : 0.0;
  ao.dropout_gen = dropout_gen_;
  // [B, T, 3·d] → [B, T, d]: the packed op splits and merges heads without copies.
  Tensor qkv = qkv_->forward(x);
  Tensor y = kv_cache_ ? attend_cached(qkv) : qkv_attention(qkv, n_heads_, ao);
  if (inner_norm_) y = apply_norm(*inner_norm_, y);
  return dropout(proj_->forward(y), dropout_, is_training(), dropout_gen_);
}

Schema SoftmaxAttention::schema() { return Schema(); }

std::shared_ptr<Attention> SoftmaxAttention::create(const AttentionArgs& a) {
  return std::make_shared<SoftmaxAttention>(a.ctx.block.shape.width, a.ctx);
}

WEFT_REGISTER_ATTENTION("softmax", SoftmaxAttention, true,
                        "multi-head softmax attention (causal, fused FlashAttention-style kernel)");
static const bool softmax_kv_cached [[maybe_unused]] = AttentionRegistry::instance().add_kv_cached("softmax");

}  // namespace weft
