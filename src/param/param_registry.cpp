// The built-in parameterizations (the CompleteP paper): sp, mup, completep.
#include "weft/param/registry.h"

#include "weft/param/complete_p.h"

namespace weft {

ParameterizationRegistry& ParameterizationRegistry::instance() {
  static ParameterizationRegistry r;
  return r;
}

std::shared_ptr<Parameterization> build_parameterization(const ResolvedView& param, const ModelShape& shape) {
  return ParameterizationRegistry::instance().at(param.get<std::string>("type")).factory(param, shape);
}

namespace {

// Keys every type shares; the defaults of attn_scale differ (µP uses 1/d_h).
Schema common(const char* attn_default) {
  Schema s;
  s.add_number("init_std", 0.02).min(0.0, true).max(10.0)
      .help("sigma_base: std of the normal init of matrices and embeddings (at the base shape)");
  s.add_number("input_mult", 1.0).min(0.0, true).max(1e6).help("alpha_in: multiplies the embedding output");
  s.add_number("output_mult", 1.0).min(0.0, true).max(1e6)
      .help("alpha_out: multiplies the logits (mup/completep: divided by m_N = d_model / base_width)");
  s.add_choice("attn_scale", {"inv_dh", "inv_sqrt_dh"}, attn_default)
      .help("attention logit scale: 1/d_head (muP) or 1/sqrt(d_head)");
  return s;
}

Schema sp_schema() {
  Schema s = common("inv_sqrt_dh");
  s.add_bool("scale_residual_init", true)
      .help("scale residual output projections' init by 1/sqrt(2*n_layers) (GPT-2)");
  return s;
}

Schema mup_schema() {
  Schema s = common("inv_dh");
  s.add_int("base_width", 256).range(1, 1 << 20).help("N_base: d_model of the tuned base model (m_N = d_model / N_base)");
  s.add_bool("eps_scaling", true)
      .help("scale AdamW eps by 1/(m_N m_L^alpha) inside the blocks, by 1/m_N outside (the CompleteP paper, Eq. 40)");
  return s;
}

Schema completep_schema() {
  Schema s = mup_schema();
  s.add_int("base_depth", 2).range(1, 1 << 20)
      .help("L_base: n_layers of the tuned base model (m_L = n_layers / L_base)");
  s.add_number("alpha", 1.0).range(0.5, 1.0)
      .help("depth exponent: residual branches x m_L^-alpha (1 = CompleteP, 0.5 = depth-muP)");
  return s;
}

std::shared_ptr<Parameterization> finish(CompletePOptions c, const ResolvedView& param, const ModelShape& shape) {
  c.input_mult = param.get<double>("input_mult");
  c.output_mult = param.get<double>("output_mult");
  c.attn_scale = parse_attn_scale(param.get<std::string>("attn_scale"));
  return make_complete_p_parameterization(shape, c);
}

std::shared_ptr<Parameterization> make_sp(const ResolvedView& param, const ModelShape& shape) {
  return finish(standard_options(shape, {param.get<double>("init_std"), param.get<bool>("scale_residual_init")}),
                param, shape);
}

CompletePOptions mup_options(const ResolvedView& param, const ModelShape& shape) {
  CompletePOptions c;
  c.name = param.get<std::string>("type");
  c.init_std = param.get<double>("init_std");
  c.base_width = param.get<int64_t>("base_width");
  c.eps_scaling = param.get<bool>("eps_scaling");
  // µP is the table with m_L = 1 (the CompleteP paper: "param.type: mup (α ignored, m_L = 1)").
  c.base_depth = shape.depth;
  c.alpha = 1.0;
  return c;
}

std::shared_ptr<Parameterization> make_mup(const ResolvedView& param, const ModelShape& shape) {
  return finish(mup_options(param, shape), param, shape);
}

std::shared_ptr<Parameterization> make_completep(const ResolvedView& param, const ModelShape& shape) {
  CompletePOptions c = mup_options(param, shape);
  c.base_depth = param.get<int64_t>("base_depth");
  c.alpha = param.get<double>("alpha");
  return finish(c, param, shape);
}

}  // namespace

WEFT_REGISTER_PARAMETERIZATION("sp", sp, sp_schema, make_sp,
                               "standard (GPT-2): N(0, init_std^2), residual projections x 1/sqrt(2L), multipliers 1");
WEFT_REGISTER_PARAMETERIZATION("mup", mup, mup_schema, make_mup,
                               "muP: hidden init / lr / eps scaled by the width ratio m_N = d_model / base_width");
WEFT_REGISTER_PARAMETERIZATION("completep", completep, completep_schema, make_completep,
                               "CompleteP (Dey et al. 2025): muP plus depth, residual branches x m_L^-alpha");
// Their tables scale AdamW's learning rate, weight decay and ε per group.
static const bool weft_mup_needs_adamw [[maybe_unused]] =
    ParameterizationRegistry::instance().require_optimizer("mup", "adamw") &&
    ParameterizationRegistry::instance().require_optimizer("completep", "adamw");

}  // namespace weft
