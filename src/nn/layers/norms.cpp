#include "weft/nn/layers/norms.h"

#include "weft/ops/ops.h"

namespace weft {

LayerNorm::LayerNorm(int64_t dim, bool bias, double eps) : eps_(eps) {
  weight_ = &register_parameter("weight", Tensor::ones({dim}), ParamRole::norm_gain);
  if (bias) bias_ = &register_parameter("bias", Tensor::zeros({dim}), ParamRole::norm_bias);
}

Tensor LayerNorm::forward(const Tensor& x) const {
  return layer_norm(x, weight_->tensor, bias_ ? bias_->tensor : Tensor(), eps_);
}

RMSNorm::RMSNorm(int64_t dim, double eps, RmsEps placement) : eps_(eps), placement_(placement) {
  weight_ = &register_parameter("weight", Tensor::ones({dim}), ParamRole::norm_gain);
}

Tensor RMSNorm::forward(const Tensor& x) const {
  return rms_norm(x, weight_->tensor, eps_, placement_ == RmsEps::outside_root);
}

}  // namespace weft
