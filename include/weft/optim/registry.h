// defines: OptimizerRegistry, build_optimizer, optimizer_common_schema,
// WEFT_REGISTER_OPTIMIZER — `optim.type` in a recipe (adamw, sgd, a user's
// own) as registered types with the schema the validator, `weft layers` and the
// factory share. Every type's schema starts from optimizer_common_schema():
// `lr` and `clip` are read by the trainer, whatever the type.
#pragma once

#include <functional>
#include <memory>

#include "weft/config/schema.h"
#include "weft/config/view.h"
#include "weft/nn/type_registry.h"
#include "weft/optim/optimizer.h"

namespace weft {

using OptimizerFactory = std::function<std::unique_ptr<Optimizer>(const ResolvedView& optim, NamedParameters params)>;

class OptimizerRegistry : public TypeRegistry<OptimizerFactory> {
 public:
  static OptimizerRegistry& instance();
  static constexpr const char* kDefaultType = "adamw";

 private:
  OptimizerRegistry() : TypeRegistry<OptimizerFactory>("optimizer type") {}
};

// lr (peak learning rate), weight_decay, clip (global gradient-norm threshold).
Schema optimizer_common_schema();

// The optimizer the validated `optim:` section describes, over `params`.
std::unique_ptr<Optimizer> build_optimizer(const ResolvedView& optim, NamedParameters params);

}  // namespace weft

#define WEFT_REGISTER_OPTIMIZER(name, id, schema_fn, factory_fn, help_text) \
  static const bool weft_registered_optimizer_##id [[maybe_unused]] =     \
      ::weft::OptimizerRegistry::instance().add({name, help_text, schema_fn, factory_fn})
