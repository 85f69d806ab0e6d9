#include "weft/nn/layers/attention.h"

#include "weft/ops/ops.h"

namespace weft {

CausalSelfAttention::CausalSelfAttention(int64_t d, const AttentionLayerOptions& o, const Parameterization& p,
                                         Generator& init_gen, Generator* dropout_gen)
    : opts_(o), dropout_gen_(dropout_gen) {
  WEFT_CHECK(o.n_heads >= 1 && d % o.n_heads == 0, ShapeError, "attention: n_heads ", o.n_heads,
             " must divide d_model ", d);
  scale_ = p.attn_scale(d / o.n_heads);
  qkv_ = register_module("qkv", std::make_shared<Linear>(d, 3 * d, p, init_gen,
                                                         LinearOptions{o.bias, false, ParamRole::hidden_weight}));
  proj_ = register_module("proj", std::make_shared<Linear>(d, d, p, init_gen,
                                                           LinearOptions{o.bias, true, ParamRole::hidden_weight}));
}

Tensor CausalSelfAttention::forward(const Tensor& x) const {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2), H = opts_.n_heads, Dh = C / H;
  // [B, T, 3, H, Dh] → q, k, v as [B, H, T, Dh]
  Tensor qkv = reshape(qkv_->forward(x), {B, T, 3, H, Dh});
  auto head = [&](int64_t i) { return contiguous(permute(squeeze(narrow(qkv, 2, i, 1), 2), {0, 2, 1, 3})); };
  AttentionOptions ao;
  ao.scale = scale_;
  Tensor y = causal_attention(head(0), head(1), head(2), ao);
  y = reshape(contiguous(permute(y, {0, 2, 1, 3})), {B, T, C});
  return dropout(proj_->forward(y), opts_.dropout, is_training(), dropout_gen_);
}

}  // namespace weft
