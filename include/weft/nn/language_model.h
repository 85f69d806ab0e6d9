// defines: LanguageModel (the interface the trainer, eval and generate use),
// ModelArgs, ModelRegistry, WEFT_REGISTER_MODEL — `model.type` in a recipe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weft/config/schema.h"
#include "weft/config/view.h"
#include "weft/nn/activation_probe.h"
#include "weft/nn/module.h"
#include "weft/nn/type_registry.h"
#include "weft/param/parameterization.h"

namespace weft {

class TokenDecoder;  // nn/decoding.h

class LanguageModel : public Module {
 public:
  // ids [B, T] (i64) → logits [B, T, vocab]
  virtual Tensor forward(const Tensor& ids) = 0;
  // Mean next-token cross-entropy of forward(x) against targets y ([B, T]).
  virtual Tensor loss(const Tensor& x, const Tensor& y) = 0;
  virtual int64_t context_length() const = 0;
  virtual int64_t vocab_size() const = 0;
  // Training FLOPs per token (forward + backward).
  virtual double flops_per_token() const = 0;
  // The dropout stream (checkpointed by the trainer so resume is exact).
  virtual Generator& dropout_generator() = 0;
  // The parameterization the model was built with (param/); build_model assigns
  // every parameter's optimizer multipliers from it.
  virtual const Parameterization& parameterization() const = 0;
  // Records activation statistics of every later forward into `probe`
  // (nn/activation_probe.h); nullptr stops it. The caller owns the probe.
  void set_activation_probe(ActivationProbe* probe) { probe_ = probe; }

  // The trainer's step counter, set before each optimizer step: LayerDrop keys
  // its per-step draws on it (variants.md §9), so a resumed run redraws nothing.
  void set_step(int64_t step) { step_ = step; }
  int64_t step() const { return step_; }

  // Layer pruning at inference (variants.md §9): the number of blocks, and
  // which of them the forward runs (sorted block indices; empty = all). The
  // default refuses: a model type opts in.
  virtual int64_t num_blocks() const { return 0; }
  virtual void set_kept_blocks(const std::vector<int64_t>& keep);

  // Incremental generation (nn/decoding.h): a prompt, then a token at a time.
  // The default recomputes the full forward each step; a model with a cache
  // (gpt: keys and values per layer) overrides it. The model must outlive it.
  virtual std::unique_ptr<TokenDecoder> start_decoding();

 protected:
  ActivationProbe* probe_ = nullptr;
  int64_t step_ = 0;
};

struct ModelArgs {
  ResolvedView model;  // the validated `model` section
  ResolvedView param;  // the validated `param` section
  int64_t vocab = 0;   // from the data (bytes: 256; chars: the corpus vocabulary)
  uint64_t seed = 0;
};

using ModelFactory = std::function<std::shared_ptr<LanguageModel>(const ModelArgs&)>;

class ModelRegistry : public TypeRegistry<ModelFactory> {
 public:
  static ModelRegistry& instance();

 private:
  ModelRegistry() : TypeRegistry<ModelFactory>("model type") {}
};

// Builds the model a validated recipe describes, with every parameter's
// lr/wd/eps multipliers set from its parameterization (param/multipliers.h).
std::shared_ptr<LanguageModel> build_model(const ResolvedView& recipe, int64_t vocab);

// The `param:` section's types (sp, mup, completep; variants.md §7) and the
// parameterization the validated section selects for a model of this shape.
TypeCatalog param_types();
std::shared_ptr<Parameterization> build_parameterization(const ResolvedView& param, const ModelShape& shape);

}  // namespace weft

#define WEFT_REGISTER_MODEL(name, Class, help_text)                                                   \
  static const bool weft_registered_model_##Class [[maybe_unused]] = ::weft::ModelRegistry::instance().add( \
      {name, help_text, [] { return Class::schema(); },                                          \
       [](const ::weft::ModelArgs& a) -> std::shared_ptr<::weft::LanguageModel> { return Class::create(a); }})
