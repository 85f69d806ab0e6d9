#include "weft/nn/language_model.h"

#include "weft/config/diagnostics.h"

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
  return ModelRegistry::instance().at(a.model.get<std::string>("type")).factory(a);
}

TypeCatalog param_types() {
  Schema sp;
  sp.add_number("init_std", 0.02).min(0.0).max(10.0).help("std of the normal init of matrices and embeddings");
  sp.add_bool("scale_residual_init", true)
      .help("scale residual output projections' init by 1/sqrt(2*n_layers) (GPT-2)");
  // µP and CompleteP (variants.md §7) join as further types.
  return fixed_types({{"sp", sp}});
}

std::shared_ptr<Parameterization> build_parameterization(const ResolvedView& param, const ModelShape& shape) {
  StandardParamOptions o;
  o.init_std = param.get<double>("init_std");
  o.scale_residual_init = param.get<bool>("scale_residual_init");
  return make_standard_parameterization(shape, o);
}

}  // namespace weft
