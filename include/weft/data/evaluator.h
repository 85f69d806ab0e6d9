// defines: EvalRequest, EvalReport, Evaluator, EvaluatorRegistry,
// WEFT_REGISTER_EVALUATOR — how a task scores a model. A dataset names its
// evaluator type (Dataset::evaluator()); the trainer's eval lines,
// metrics.jsonl, loss.svg and `weft eval [--json]` show whatever it returns.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "weft/data/dataset.h"
#include "weft/nn/model.h"
#include "weft/nn/type_registry.h"

namespace weft {

struct EvalRequest {
  Split split = Split::val;
  int64_t batch = 16;
  int64_t max_batches = 0;  // 0 = the whole split
};

struct EvalReport {
  nlohmann::json metrics = nlohmann::json::object();  // e.g. {"loss": .., "ppl": .., "bpb": ..}
  int64_t units = 0;            // how many things were scored
  std::string unit = "units";   // what they are: "tokens", "episodes", ...
  std::string primary;          // the key of the metric that ranks models
  bool higher_is_better = false;
  std::string text;             // one human-readable line of the metrics
  // Optional per-unit records (e.g. one per rollout episode): `weft eval`
  // writes them, one JSON object a line, to eval.jsonl next to eval.json.
  std::vector<nlohmann::json> records;
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Scores `model` on a split, deterministically, without gradients; leaves the
  // model's train/eval mode as it found it.
  virtual EvalReport evaluate(Model& model, const Dataset& data, const EvalRequest& request) = 0;
};

// Built from the evaluator's own options: the recipe's `eval.<type>:` section
// (validated against the type's schema, defaults filled; an empty view when
// the type has no options).
using EvaluatorFactory = std::function<std::unique_ptr<Evaluator>(const ResolvedView& options)>;

class EvaluatorRegistry : public TypeRegistry<EvaluatorFactory> {
 public:
  static EvaluatorRegistry& instance();

 private:
  EvaluatorRegistry() : TypeRegistry<EvaluatorFactory>("evaluator type") {}
};

// The evaluator a dataset asks for, with its options from the validated
// recipe's `eval.<type>` section.
std::unique_ptr<Evaluator> evaluator_for(const Dataset& data, const ResolvedView& recipe);

// Runs `model` in eval mode without gradients for the scope, then restores its mode.
class EvalModeScope {
 public:
  explicit EvalModeScope(Model& m);
  ~EvalModeScope();
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  Model& m_;
  bool was_training_;
  bool was_grad_;
};

}  // namespace weft

namespace weft::detail {
template <typename Class>
Schema evaluator_schema() {
  if constexpr (requires { Class::schema(); })
    return Class::schema();
  else
    return Schema();
}
template <typename Class>
std::unique_ptr<Evaluator> make_evaluator(const ResolvedView& options) {
  if constexpr (std::is_constructible_v<Class, const ResolvedView&>)
    return std::make_unique<Class>(options);
  else
    return std::make_unique<Class>();
}
}  // namespace weft::detail

// `Class` derives from Evaluator. Optional: `static Schema schema()` (its
// options, under `eval.<name>:` in a recipe) and a constructor taking the
// validated options (`const ResolvedView&`); otherwise a default constructor.
#define WEFT_REGISTER_EVALUATOR(name, Class, help_text)                          \
  static const bool weft_registered_evaluator_##Class [[maybe_unused]] =         \
      ::weft::EvaluatorRegistry::instance().add({name, help_text, &::weft::detail::evaluator_schema<Class>, \
                                                 &::weft::detail::make_evaluator<Class>})
