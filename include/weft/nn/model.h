// defines: Model (what the trainer, eval, bench and inspect see of any task's
// network), StackSummary, ModelArgs, ModelRegistry, build_model,
// WEFT_REGISTER_MODEL — `model.type` in a recipe.
//
// A model type is one class with `static Schema schema()` and
// `static std::shared_ptr<Model> create(const ModelArgs&)`, registered with one
// line. It reads its options from the validated `model:` section, its
// parameterization from `param:` (build_parameterization, per stack), and what
// it needs from the data (a vocabulary, state/action sizes, ...) from the data
// description that the dataset produced and every checkpoint stores.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "weft/config/schema.h"
#include "weft/config/view.h"
#include "weft/data/batch.h"
#include "weft/nn/activation_probe.h"
#include "weft/nn/module.h"
#include "weft/nn/type_registry.h"
#include "weft/param/parameterization.h"

namespace weft {

// One stack of blocks as `weft inspect` shows it (a model may hold several,
// each with its own width, depth and parameterization).
struct StackSummary {
  std::string name;        // its parameter prefix, e.g. "blocks"
  std::string block_type;  // the registered block type
  int64_t width = 0, depth = 0, n_heads = 0;
  const Parameterization* param = nullptr;
};

class Model : public Module {
 public:
  // The scalar training loss of a batch (a mean over its units). The batch may be on
  // any device: it is moved to the model's first, so compute_loss always sees its
  // tensors where the parameters are.
  Tensor loss(const Batch& batch) { return compute_loss(batch.to(device())); }
  // Positions of context one sample holds (tokens, timesteps): what the
  // dataset's sampler cuts windows to.
  virtual int64_t context_length() const = 0;
  // Training FLOPs (forward + backward) per unit of Batch::units.
  virtual double flops_per_unit() const = 0;
  // The dropout stream (checkpointed by the trainer so resume is exact).
  virtual Generator& dropout_generator() = 0;
  // The parameterization of the model's embeddings and heads; build_model
  // assigns every parameter's optimizer multipliers from the one its
  // parameters were created with (param/multipliers.h).
  virtual const Parameterization& parameterization() const = 0;
  // The model's block stacks (inspect); empty for a model without any.
  virtual std::vector<StackSummary> stacks() const { return {}; }

  // Records activation statistics of every later forward into `probe`
  // (nn/activation_probe.h); nullptr stops it. The caller owns the probe.
  void set_activation_probe(ActivationProbe* probe) { probe_ = probe; }
  ActivationProbe* activation_probe() const { return probe_; }

  // The trainer's step counter, set before each optimizer step: LayerDrop keys
  // its per-step draws on it (the LayerDrop paper), so a resumed run redraws nothing.
  void set_step(int64_t step) { step_ = step; }
  int64_t step() const { return step_; }

  // Layer pruning at inference (the LayerDrop paper): the number of blocks, and
  // which of them the forward runs (sorted block indices; empty = all). The
  // default refuses: a model type opts in.
  virtual int64_t num_blocks() const { return 0; }
  virtual void set_kept_blocks(const std::vector<int64_t>& keep);

 protected:
  // loss() of a batch already on the model's device: what a model type implements.
  virtual Tensor compute_loss(const Batch& batch) = 0;

  ActivationProbe* probe_ = nullptr;
  int64_t step_ = 0;
};

struct ModelArgs {
  ResolvedView model;    // the validated `model` section
  ResolvedView param;    // the validated `param` section
  nlohmann::json data;   // the data description (data/dataset.h), e.g. {"vocab_size": 256, ...}
  uint64_t seed = 0;
};

using ModelFactory = std::function<std::shared_ptr<Model>(const ModelArgs&)>;

class ModelRegistry : public TypeRegistry<ModelFactory> {
 public:
  static ModelRegistry& instance();
  static constexpr const char* kDefaultType = "gpt";  // a recipe without model.type

 private:
  ModelRegistry() : TypeRegistry<ModelFactory>("model type") {}
};

// Builds the model a validated recipe describes for data described by `data`,
// with every parameter's lr/wd/eps multipliers set from its parameterization.
std::shared_ptr<Model> build_model(const ResolvedView& recipe, const nlohmann::json& data);

// An integer entry of a data description; ConfigError naming the model type and
// the key when the data does not provide it.
int64_t data_int(const nlohmann::json& data, const std::string& key, const std::string& model_type);

}  // namespace weft

#define WEFT_REGISTER_MODEL(name, Class, help_text)                                                   \
  static const bool weft_registered_model_##Class [[maybe_unused]] = ::weft::ModelRegistry::instance().add( \
      {name, help_text, [] { return Class::schema(); },                                          \
       [](const ::weft::ModelArgs& a) -> std::shared_ptr<::weft::Model> { return Class::create(a); }})
