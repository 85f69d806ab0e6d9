// defines: ShapedAttention, ShapedAttentionOptions — He & Hofmann's shaped
// attention (ICLR 2024, "Simplifying Transformer Blocks"; the SAS paper), the
// token mixer of the sas / sas_p blocks.
//
// Per head h (causal):  A_h = α_h·I + β_h·S_h − γ_h·C,   out = concat_h(A_h V_h)
// with S_h = softmax(mask(Q_h K_hᵀ·scale)) (the fused causal_attention op, no T×T
// kept) and C the causal uniform matrix, C_ij = 1/(i+1) for j ≤ i: C·V is the
// prefix mean of V (cumsum / (i+1)), so no T×T matrix is built either. No value or
// output projection: V_h is the h-th d_h-slice of the input, except in block 0
// where `first_layer_value: trainable_identity` makes V = X (r·ΔW + s·I) with
// ΔW = 0, r = s = 1 at init. W_q starts at zero, so S = C and A = I at init:
// the layer is the identity map.
#pragma once

#include <memory>

#include "weft/nn/block.h"
#include "weft/nn/layers/linear.h"

namespace weft {

struct ShapedAttentionOptions {
  double alpha = 1.0, beta = 1.0, gamma = 1.0;  // per-head gain inits
  bool trainable = true;                        // α, β (and γ when non-zero) are parameters
  double query_init_std = 0.0;                  // W_q ~ N(0, std²); 0 = zeros (the paper's)
  double key_init_std = 0.02;                   // W_k ~ N(0, std²)
  bool trainable_value = false;                 // V = X (r·ΔW + s·I) instead of V = X
};

class ShapedAttention : public Module {
 public:
  ShapedAttention(const BlockContext& ctx, const ShapedAttentionOptions& o);
  // x [B, T, d] → [B, T, d]
  Tensor forward(const Tensor& x) const;

  // A per-head gain [H]: a ParamRole::gain parameter, or a constant when not trainable.
  struct HeadGain {
    Parameter* param = nullptr;
    Tensor fixed;
    const Tensor& value() const { return param ? param->tensor : fixed; }
  };

 private:
  HeadGain make_gain(const std::string& name, double init, bool trainable, const Parameterization& p);

  std::shared_ptr<Linear> wq_, wk_;
  HeadGain alpha_, beta_, gamma_;
  Parameter* value_delta_ = nullptr;  // ΔW of the trainable first-block value, or null
  Parameter* value_r_ = nullptr;
  Parameter* value_s_ = nullptr;
  int64_t n_heads_;
  double scale_;
};

// A_h·V_h = α_h·V_h + β_h·S_h V_h − γ_h·C V_h for q, k, v [B, H, T, D] and gains [H].
Tensor shaped_mix(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& alpha, const Tensor& beta,
                  const Tensor& gamma, double scale);

// The init gain that turns the parameterization's std for a d_in × d_out hidden
// matrix into `std` under the standard parameterization: recipe stds
// (query_init_std, key_init_std) are read as the std at the base shape, and µP /
// CompleteP keep scaling them with width as they scale any hidden matrix.
double init_gain_for_std(const Parameterization& p, int64_t d_in, int64_t d_out, double std);

}  // namespace weft
