// defines: EvalRequest, EvalReport, Evaluator, EvaluatorRegistry,
// WEFT_REGISTER_EVALUATOR — how a task scores a model. A dataset names its
// evaluator type (Dataset::evaluator()); the trainer's eval lines,
// metrics.jsonl, loss.svg and `weft eval [--json]` show whatever it returns.
#pragma once

#include <functional>
#include <memory>
#include <string>

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
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Scores `model` on a split, deterministically, without gradients; leaves the
  // model's train/eval mode as it found it.
  virtual EvalReport evaluate(Model& model, const Dataset& data, const EvalRequest& request) = 0;
};

using EvaluatorFactory = std::function<std::unique_ptr<Evaluator>()>;

class EvaluatorRegistry : public TypeRegistry<EvaluatorFactory> {
 public:
  static EvaluatorRegistry& instance();

 private:
  EvaluatorRegistry() : TypeRegistry<EvaluatorFactory>("evaluator type") {}
};

// The evaluator a dataset asks for.
std::unique_ptr<Evaluator> evaluator_for(const Dataset& data);

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

// `Class` has a default constructor and derives from Evaluator.
#define WEFT_REGISTER_EVALUATOR(name, Class, help_text)                                    \
  static const bool weft_registered_evaluator_##Class [[maybe_unused]] =                   \
      ::weft::EvaluatorRegistry::instance().add(                                           \
          {name, help_text, [] { return ::weft::Schema(); },                               \
           []() -> std::unique_ptr<::weft::Evaluator> { return std::make_unique<Class>(); }})
