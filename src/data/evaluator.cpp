#include "weft/data/evaluator.h"

#include "weft/autograd/grad_mode.h"

namespace weft {

EvaluatorRegistry& EvaluatorRegistry::instance() {
  static EvaluatorRegistry r;
  return r;
}

std::unique_ptr<Evaluator> evaluator_for(const Dataset& data, const ResolvedView& recipe) {
  const std::string type = data.evaluator();
  const auto& entry = EvaluatorRegistry::instance().at(type);
  const std::string key = "eval." + type;
  return entry.factory(recipe.has(key) ? recipe.at(key) : ResolvedView());
}

EvalModeScope::EvalModeScope(Model& m) : m_(m), was_training_(m.is_training()), was_grad_(is_grad_enabled()) {
  set_grad_enabled(false);
  m_.eval();
}

EvalModeScope::~EvalModeScope() {
  m_.train(was_training_);
  set_grad_enabled(was_grad_);
}

}  // namespace weft
