#include <cmath>

#include "weft/param/parameterization.h"

namespace weft {

namespace {

class StandardParameterization final : public Parameterization {
 public:
  StandardParameterization(const ModelShape& s, const StandardParamOptions& o) : shape_(s), opts_(o) {}
  std::string name() const override { return "sp"; }
  double init_std(const InitRequest& r) const override {
    switch (r.role) {
      case ParamRole::hidden_bias:
      case ParamRole::norm_bias:
      case ParamRole::norm_gain:
      case ParamRole::gain: return 0.0;
      case ParamRole::embedding:
      case ParamRole::output: return opts_.init_std;
      case ParamRole::hidden_weight:
        if (r.residual_output && opts_.scale_residual_init && shape_.depth > 0)
          return opts_.init_std / std::sqrt(2.0 * static_cast<double>(shape_.depth));
        return opts_.init_std;
    }
    return opts_.init_std;
  }
  double lr_mult(const InitRequest&) const override { return 1.0; }
  double wd_mult(const InitRequest&) const override { return 1.0; }
  double eps_mult(const InitRequest&) const override { return 1.0; }
  double residual_mult() const override { return 1.0; }
  double output_mult() const override { return 1.0; }
  double input_mult() const override { return 1.0; }
  double attn_scale(int64_t d_head) const override { return 1.0 / std::sqrt(static_cast<double>(d_head)); }

 private:
  ModelShape shape_;
  StandardParamOptions opts_;
};

}  // namespace

std::shared_ptr<Parameterization> make_standard_parameterization(const ModelShape& shape,
                                                                 const StandardParamOptions& opts) {
  return std::make_shared<StandardParameterization>(shape, opts);
}

Tensor init_parameter(const Parameterization& p, const InitRequest& r, const Shape& shape, Generator& gen) {
  if (r.role == ParamRole::norm_gain) return Tensor::ones(shape);
  if (r.base == InitBase::torch_default) {
    WEFT_CHECK(r.fan_in > 0, ValueError, "torch_default init needs fan_in > 0");
    const double bound = r.gain / std::sqrt(static_cast<double>(r.fan_in));
    return Tensor::uniform(shape, -bound, bound, DType::f32, &gen);
  }
  if (r.base == InitBase::xavier_normal && (r.role == ParamRole::hidden_weight || r.role == ParamRole::output)) {
    const double std = r.gain * std::sqrt(2.0 / static_cast<double>(r.fan_in + r.fan_out));
    return Tensor::normal(shape, 0.0, std, DType::f32, &gen);
  }
  const double std = p.init_std(r) * r.gain;
  if (std == 0.0) return r.role == ParamRole::gain ? Tensor::ones(shape) : Tensor::zeros(shape);
  return Tensor::normal(shape, 0.0, std, DType::f32, &gen);
}

}  // namespace weft
