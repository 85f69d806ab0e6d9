#include "weft/param/complete_p.h"

#include <cmath>

#include "weft/core/error.h"

namespace weft {

namespace {

class CompleteP final : public Parameterization {
 public:
  CompleteP(const ModelShape& s, const CompletePOptions& o)
      : shape_(s),
        opts_(o),
        m_n_(static_cast<double>(s.width) / static_cast<double>(o.base_width)),
        m_l_(static_cast<double>(s.depth) / static_cast<double>(o.base_depth)),
        depth_lr_(std::pow(m_l_, o.alpha - 1.0)),
        residual_(std::pow(m_l_, -o.alpha)) {}

  std::string name() const override { return opts_.name; }

  double init_std(const InitRequest& r) const override {
    switch (r.role) {
      case ParamRole::hidden_bias:
      case ParamRole::norm_bias:
      case ParamRole::norm_gain:
      case ParamRole::gain:
        return 0.0;
      case ParamRole::embedding:
      case ParamRole::output:
        return opts_.init_std;
      case ParamRole::hidden_weight:
        // GPT-2 (Radford et al. 2019 §2.3): residual output projections × 1/√(2L).
        if (r.residual_output && opts_.scale_residual_init)
          return opts_.init_std / std::sqrt(2.0 * static_cast<double>(shape_.depth));
        return m_n_ == 1.0 ? opts_.init_std : opts_.init_std / std::sqrt(m_n_);  // variance σ²/m_N
    }
    return opts_.init_std;
  }

  double lr_mult(const InitRequest& r) const override {
    switch (param_group(r)) {
      case ParamGroup::embedding:
      case ParamGroup::final_norm:
      case ParamGroup::output:
        return 1.0;
      case ParamGroup::block_norm:
      case ParamGroup::hidden_bias:
        return depth_lr_;
      case ParamGroup::hidden_weight:
        return depth_lr_ / m_n_;
    }
    return 1.0;
  }

  double wd_mult(const InitRequest& r) const override {
    switch (param_group(r)) {
      case ParamGroup::embedding:
      case ParamGroup::output:
        return 1.0;
      case ParamGroup::hidden_weight:
        return m_n_;  // × lr mult 1/m_N: decay independent of width
      case ParamGroup::block_norm:
      case ParamGroup::hidden_bias:
      case ParamGroup::final_norm:
        return 0.0;
    }
    return 0.0;
  }

  // The CompleteP paper's Eq. 40: ε follows the gradient scale of each group. In µP
  // every gradient shrinks like 1/m_N (the logits carry 1/m_N), and inside the
  // residual blocks the branch multiplier m_L^−α shrinks it once more.
  double eps_mult(const InitRequest& r) const override {
    if (!opts_.eps_scaling) return 1.0;
    switch (param_group(r)) {
      case ParamGroup::block_norm:
      case ParamGroup::hidden_weight:
      case ParamGroup::hidden_bias:
        return 1.0 / (m_n_ * residual_inv());
      case ParamGroup::embedding:
      case ParamGroup::final_norm:
      case ParamGroup::output:
        return 1.0 / m_n_;
    }
    return 1.0;
  }

  double residual_mult() const override { return residual_; }
  double output_mult() const override { return opts_.output_mult / m_n_; }
  double input_mult() const override { return opts_.input_mult; }
  double attn_scale(int64_t d_head) const override { return attn_scale_value(opts_.attn_scale, d_head); }

 private:
  double residual_inv() const { return std::pow(m_l_, opts_.alpha); }  // m_L^α

  ModelShape shape_;
  CompletePOptions opts_;
  double m_n_, m_l_, depth_lr_, residual_;
};

}  // namespace

std::shared_ptr<Parameterization> make_complete_p_parameterization(const ModelShape& shape, const CompletePOptions& o) {
  WEFT_CHECK(shape.width > 0 && shape.depth > 0, ValueError, "parameterization: model width ", shape.width,
             " and depth ", shape.depth, " must be positive");
  WEFT_CHECK(o.base_width > 0 && o.base_depth > 0, ValueError, "parameterization '", o.name, "': base_width ",
             o.base_width, " and base_depth ", o.base_depth, " must be positive");
  WEFT_CHECK(o.alpha >= 0.5 && o.alpha <= 1.0, ValueError, "parameterization '", o.name, "': alpha ", o.alpha,
             " must be in [0.5, 1] (1 = CompleteP, 0.5 = depth-muP)");
  WEFT_CHECK(o.init_std > 0 && std::isfinite(o.init_std), ValueError, "parameterization '", o.name, "': init_std ",
             o.init_std, " must be > 0");
  WEFT_CHECK(o.input_mult > 0 && o.output_mult > 0, ValueError, "parameterization '", o.name,
             "': input_mult and output_mult must be > 0");
  return std::make_shared<CompleteP>(shape, o);
}

CompletePOptions standard_options(const ModelShape& shape, const StandardParamOptions& opts) {
  CompletePOptions o;
  o.name = "sp";
  o.base_width = shape.width;  // m_N = m_L = 1: every multiplier is exactly 1
  o.base_depth = shape.depth;
  o.init_std = opts.init_std;
  o.scale_residual_init = opts.scale_residual_init;
  o.attn_scale = AttnScale::inv_sqrt_dh;
  o.eps_scaling = false;
  return o;
}

std::shared_ptr<Parameterization> make_standard_parameterization(const ModelShape& shape,
                                                                 const StandardParamOptions& opts) {
  return make_complete_p_parameterization(shape, standard_options(shape, opts));
}

}  // namespace weft
