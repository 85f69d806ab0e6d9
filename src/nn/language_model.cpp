#include "weft/nn/language_model.h"

namespace weft {

Tensor LanguageModel::strided_forward(const Tensor&) {
  throw ConfigError("eval.text_lm.strided: this model type has no strided inference (set it to false)");
}

std::shared_ptr<LanguageModel> build_language_model(const ResolvedView& recipe, int64_t vocab) {
  auto m = std::dynamic_pointer_cast<LanguageModel>(build_model(recipe, {{"vocab_size", vocab}}));
  WEFT_CHECK(m != nullptr, ConfigError, "model.type '", recipe.get<std::string>("model.type"),
             "' is not a language model");
  return m;
}

}  // namespace weft
