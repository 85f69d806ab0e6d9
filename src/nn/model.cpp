#include "weft/nn/model.h"

#include "weft/param/multipliers.h"

namespace weft {

void Model::set_kept_blocks(const std::vector<int64_t>&) {
  throw ConfigError("this model type does not support layer pruning (eval.prune, eval.layers_to_keep)");
}

ModelRegistry& ModelRegistry::instance() {
  static ModelRegistry r;
  return r;
}

std::shared_ptr<Model> build_model(const ResolvedView& recipe, const nlohmann::json& data) {
  ModelArgs a;
  a.model = recipe.at("model");
  a.param = recipe.at("param");
  a.data = data;
  a.seed = recipe.get<uint64_t>("seed");
  auto m = ModelRegistry::instance().at(a.model.get<std::string>("type")).factory(a);
  assign_multipliers(*m, m->parameterization());
  return m;
}

int64_t data_int(const nlohmann::json& data, const std::string& key, const std::string& model_type) {
  WEFT_CHECK(data.is_object() && data.contains(key) && data[key].is_number_integer(), ConfigError, "model type '",
             model_type, "' needs '", key, "' from the data, which this data type does not provide (data description: ",
             data.is_object() ? data.dump().substr(0, 200) : std::string("none"), ")");
  return data[key].get<int64_t>();
}

}  // namespace weft
