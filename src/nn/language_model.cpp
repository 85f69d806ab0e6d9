#include "weft/nn/language_model.h"

#include "weft/config/diagnostics.h"
#include "weft/param/complete_p.h"
#include "weft/param/multipliers.h"

namespace weft {

void LanguageModel::set_kept_blocks(const std::vector<int64_t>&) {
  throw ConfigError("this model type does not support layer pruning (eval.prune, eval.layers_to_keep)");
}

ModelRegistry& ModelRegistry::instance() {
  static ModelRegistry r;
  return r;
}

std::shared_ptr<LanguageModel> build_model(const ResolvedView& recipe, int64_t vocab) {
  ModelArgs a;
  a.model = recipe.at("model");
  a.param = recipe.at("param");
  a.vocab = vocab;
  a.seed = recipe.get<uint64_t>("seed");
  auto m = ModelRegistry::instance().at(a.model.get<std::string>("type")).factory(a);
  assign_multipliers(*m, m->parameterization());
  return m;
}

TypeCatalog param_types() {
  // Keys every type shares; the defaults of attn_scale differ (µP uses 1/d_h).
  auto common = [](const char* attn_default) {
    Schema s;
    s.add_number("init_std", 0.02).min(0.0, true).max(10.0)
        .help("sigma_base: std of the normal init of matrices and embeddings (at the base shape)");
    s.add_number("input_mult", 1.0).min(0.0, true).max(1e6).help("alpha_in: multiplies the embedding output");
    s.add_number("output_mult", 1.0).min(0.0, true).max(1e6)
        .help("alpha_out: multiplies the logits (mup/completep: divided by m_N = d_model / base_width)");
    s.add_choice("attn_scale", {"inv_dh", "inv_sqrt_dh"}, attn_default)
        .help("attention logit scale: 1/d_head (muP) or 1/sqrt(d_head)");
    return s;
  };
  Schema sp = common("inv_sqrt_dh");
  sp.add_bool("scale_residual_init", true)
      .help("scale residual output projections' init by 1/sqrt(2*n_layers) (GPT-2)");
  Schema mup = common("inv_dh");
  mup.add_int("base_width", 256).range(1, 1 << 20).help("N_base: d_model of the tuned base model (m_N = d_model / N_base)");
  mup.add_bool("eps_scaling", true).help("scale AdamW eps inside the blocks by 1/(m_N m_L^alpha)");
  Schema completep = mup;
  completep.add_int("base_depth", 2).range(1, 1 << 20)
      .help("L_base: n_layers of the tuned base model (m_L = n_layers / L_base)");
  completep.add_number("alpha", 1.0).range(0.5, 1.0)
      .help("depth exponent: residual branches x m_L^-alpha (1 = CompleteP, 0.5 = depth-muP)");
  return fixed_types({{"sp", sp}, {"mup", mup}, {"completep", completep}});
}

std::shared_ptr<Parameterization> build_parameterization(const ResolvedView& param, const ModelShape& shape) {
  const std::string type = param.get<std::string>("type");
  CompletePOptions c;
  if (type == "sp") {
    c = standard_options(shape, {param.get<double>("init_std"), param.get<bool>("scale_residual_init")});
  } else {
    c.name = type;
    c.init_std = param.get<double>("init_std");
    c.base_width = param.get<int64_t>("base_width");
    c.eps_scaling = param.get<bool>("eps_scaling");
    // µP is the table with m_L = 1 (variants.md §7: "param.type: mup (α ignored, m_L = 1)").
    c.base_depth = type == "completep" ? param.get<int64_t>("base_depth") : shape.depth;
    c.alpha = type == "completep" ? param.get<double>("alpha") : 1.0;
  }
  c.input_mult = param.get<double>("input_mult");
  c.output_mult = param.get<double>("output_mult");
  c.attn_scale = parse_attn_scale(param.get<std::string>("attn_scale"));
  return make_complete_p_parameterization(shape, c);
}

}  // namespace weft
