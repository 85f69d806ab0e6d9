// defines: Linear — y = x W + b, W stored [in, out] (the layout of every weft matrix).
#pragma once

#include "weft/nn/module.h"
#include "weft/param/parameterization.h"

namespace weft {

struct LinearOptions {
  bool bias = true;
  bool residual_output = false;  // last projection of a residual branch (init scaling)
  ParamRole role = ParamRole::hidden_weight;
  double init_gain = 1.0;             // block-type gain on the init (Magneto γ, DeepNorm β)
  InitBase init_base = InitBase::param;
  bool gain_on_bias = true;           // the gain scales the bias init too (torchscale selects by name)
};

// How a block type initialises its residual branches beyond the parameterization:
// Magneto's γ (the Magneto paper) or DeepNorm's β (the DeepNet paper) on the value/output
// projections and fc1/fc2 (never q/k), and the base distribution of every projection.
struct BranchInit {
  double gain = 1.0;
  bool gain_on_bias = true;
  InitBase base = InitBase::param;
};

class Linear : public Module {
 public:
  // fan_out_for_init: the fan-out the init sees (a fused projection such as qkv
  // is initialised as its parts; 0 = out).
  Linear(int64_t in, int64_t out, const Parameterization& p, Generator& gen, const LinearOptions& o = {},
         int64_t fan_out_for_init = 0);
  Tensor forward(const Tensor& x) const;
  Parameter& weight() { return *weight_; }
  Parameter* bias() { return bias_; }

 private:
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
};

}  // namespace weft
