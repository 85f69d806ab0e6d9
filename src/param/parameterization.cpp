#include "weft/param/parameterization.h"

#include <cmath>

#include "weft/core/error.h"

namespace weft {

ParamGroup param_group(const InitRequest& r) {
  switch (r.role) {
    case ParamRole::embedding:
      return ParamGroup::embedding;
    case ParamRole::hidden_weight:
      return ParamGroup::hidden_weight;
    case ParamRole::hidden_bias:
      return ParamGroup::hidden_bias;
    case ParamRole::output:
      return ParamGroup::output;
    case ParamRole::norm_gain:
    case ParamRole::norm_bias:
    case ParamRole::gain:
      return r.outside_blocks ? ParamGroup::final_norm : ParamGroup::block_norm;
  }
  return ParamGroup::hidden_weight;
}

const char* group_name(ParamGroup g) {
  switch (g) {
    case ParamGroup::embedding:
      return "embedding";
    case ParamGroup::block_norm:
      return "block_norm";
    case ParamGroup::hidden_weight:
      return "hidden_weight";
    case ParamGroup::hidden_bias:
      return "hidden_bias";
    case ParamGroup::final_norm:
      return "final_norm";
    case ParamGroup::output:
      return "output";
  }
  return "?";
}

AttnScale parse_attn_scale(const std::string& s) {
  if (s == "inv_dh") return AttnScale::inv_dh;
  if (s == "inv_sqrt_dh") return AttnScale::inv_sqrt_dh;
  throw ValueError("unknown attention scale '" + s + "' (expected inv_dh or inv_sqrt_dh)");
}

double attn_scale_value(AttnScale s, int64_t d_head) {
  const double d = static_cast<double>(d_head);
  return s == AttnScale::inv_dh ? 1.0 / d : 1.0 / std::sqrt(d);
}

namespace {
bool is_xavier(const InitRequest& r) {
  return r.base == InitBase::xavier_normal && (r.role == ParamRole::hidden_weight || r.role == ParamRole::output);
}
double torch_default_bound(const InitRequest& r) {
  WEFT_CHECK(r.fan_in > 0, ValueError, "torch_default init needs fan_in > 0");
  return r.gain / std::sqrt(static_cast<double>(r.fan_in));
}
}  // namespace

double init_std_of(const Parameterization& p, const InitRequest& r) {
  if (r.role == ParamRole::norm_gain) return 0.0;
  if (r.base == InitBase::torch_default) return torch_default_bound(r) / std::sqrt(3.0);
  if (is_xavier(r)) return r.gain * std::sqrt(2.0 / static_cast<double>(r.fan_in + r.fan_out));
  return p.init_std(r) * r.gain;
}

Tensor init_parameter(const Parameterization& p, const InitRequest& r, const Shape& shape, Generator& gen) {
  if (r.role == ParamRole::norm_gain) return Tensor::ones(shape);
  if (r.base == InitBase::torch_default) {
    const double bound = torch_default_bound(r);
    return Tensor::uniform(shape, -bound, bound, DType::f32, &gen);
  }
  const double std = init_std_of(p, r);
  if (std == 0.0) return r.role == ParamRole::gain ? Tensor::ones(shape) : Tensor::zeros(shape);
  return Tensor::normal(shape, 0.0, std, DType::f32, &gen);
}

}  // namespace weft
