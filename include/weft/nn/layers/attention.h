// defines: CausalSelfAttention — multi-head softmax attention on the fused
// causal_attention op (qkv projection, heads, output projection).
#pragma once

#include <memory>

#include "weft/nn/layers/linear.h"

namespace weft {

struct AttentionLayerOptions {
  int64_t n_heads = 1;
  bool bias = true;
  double dropout = 0.0;  // on the output projection (residual dropout)
};

class CausalSelfAttention : public Module {
 public:
  CausalSelfAttention(int64_t d, const AttentionLayerOptions& o, const Parameterization& p, Generator& init_gen,
                      Generator* dropout_gen);
  // x [B, T, d] → [B, T, d]
  Tensor forward(const Tensor& x) const;

 private:
  std::shared_ptr<Linear> qkv_, proj_;
  AttentionLayerOptions opts_;
  double scale_;
  Generator* dropout_gen_;
};

}  // namespace weft
