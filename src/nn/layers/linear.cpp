#include "weft/nn/layers/linear.h"

#include "weft/ops/ops.h"

namespace weft {

Linear::Linear(int64_t in, int64_t out, const Parameterization& p, Generator& gen, const LinearOptions& o,
               int64_t fan_out_for_init) {
  const int64_t fan_out = fan_out_for_init > 0 ? fan_out_for_init : out;
  InitRequest w{o.role, in, fan_out, o.residual_output, o.init_gain, o.init_base};
  weight_ = &register_parameter("weight", init_parameter(p, w, {in, out}, gen), o.role);
  weight_->init_std = init_std_of(p, w);
  if (o.bias) {
    InitRequest b{ParamRole::hidden_bias, in, fan_out, o.residual_output, o.gain_on_bias ? o.init_gain : 1.0,
                  o.init_base};
    bias_ = &register_parameter("bias", init_parameter(p, b, {out}, gen), ParamRole::hidden_bias);
    bias_->init_std = init_std_of(p, b);
  }
}

Tensor Linear::forward(const Tensor& x) const {
  return bias_ ? linear(x, weight_->tensor, bias_->tensor) : matmul(x, weight_->tensor);
}

}  // namespace weft
