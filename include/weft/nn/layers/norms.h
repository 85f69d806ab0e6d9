// defines: LayerNorm, RMSNorm modules over the last dim.
#pragma once

#include "weft/nn/module.h"

namespace weft {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t dim, bool bias = true, double eps = 1e-5);
  Tensor forward(const Tensor& x) const;

 private:
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
  double eps_;
};

class RMSNorm : public Module {
 public:
  explicit RMSNorm(int64_t dim, double eps = 1e-6);
  Tensor forward(const Tensor& x) const;

 private:
  Parameter* weight_ = nullptr;
  double eps_;
};

}  // namespace weft
