// defines: Linear — y = x W + b, W stored [in, out] (variants.md convention).
#pragma once

#include "weft/nn/module.h"
#include "weft/param/parameterization.h"

namespace weft {

struct LinearOptions {
  bool bias = true;
  bool residual_output = false;  // last projection of a residual branch (init scaling)
  ParamRole role = ParamRole::hidden_weight;
};

class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, const Parameterization& p, Generator& gen, const LinearOptions& o = {});
  Tensor forward(const Tensor& x) const;
  Parameter& weight() { return *weight_; }
  Parameter* bias() { return bias_; }

 private:
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
};

}  // namespace weft
