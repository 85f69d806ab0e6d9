// defines: SoftmaxAttention — `attn.type: softmax`, multi-head causal softmax
// attention on the fused causal_attention op (fused qkv projection, heads,
// optional Magneto inner norm, output projection).
#pragma once

#include <memory>

#include "weft/nn/attention_registry.h"
#include "weft/nn/layers/linear.h"

namespace weft {

class SoftmaxAttention : public Attention {
 public:
  SoftmaxAttention(int64_t d, const AttentionContext& ctx);
  // x [B, T, d] → [B, T, d]
  Tensor forward(const Tensor& x) override;
  bool supports_kv_cache() const override { return true; }

  static Schema schema();
  static std::shared_ptr<Attention> create(const AttentionArgs& a);

 private:
  // The attention of the new positions qkv [B, n, 3·d] over the cached ones plus
  // themselves (appending their keys and values first): attention_cached.cpp.
  Tensor attend_cached(const Tensor& qkv);

  std::shared_ptr<Linear> qkv_, proj_;
  std::shared_ptr<Module> inner_norm_;  // Magneto Sub-LN (the Magneto paper), or null
  int64_t n_heads_;
  double dropout_;
  double attn_dropout_;
  double scale_;
  Generator* dropout_gen_;
};

}  // namespace weft
