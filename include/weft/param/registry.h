// defines: ParamArgs, ParameterizationRegistry, build_parameterization,
// WEFT_REGISTER_PARAMETERIZATION — `param.type` in a recipe (sp, mup,
// completep; the CompleteP paper) as registered types: the validator, `weft layers`
// and the factory read the same schema, and a user's parameterization is one
// class registered with one line.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "weft/config/schema.h"
#include "weft/config/view.h"
#include "weft/nn/type_registry.h"
#include "weft/param/parameterization.h"

namespace weft {

// A parameterization for a stack of this shape from the validated `param:` section.
using ParamFactory = std::function<std::shared_ptr<Parameterization>(const ResolvedView& param, const ModelShape& shape)>;

class ParameterizationRegistry : public TypeRegistry<ParamFactory> {
 public:
  static ParameterizationRegistry& instance();
  static constexpr const char* kDefaultType = "sp";

  // Types whose table scales one optimizer's hyper-parameters (µP/CompleteP:
  // AdamW's lr, decay and ε per group) name it; the recipe validator refuses
  // another optimizer with them.
  bool require_optimizer(const std::string& param_type, const std::string& optim_type) {
    required_optim_[param_type] = optim_type;
    return true;
  }
  // The optimizer type `param_type` requires, or "" for any.
  std::string required_optimizer(const std::string& param_type) const {
    auto it = required_optim_.find(param_type);
    return it == required_optim_.end() ? "" : it->second;
  }

 private:
  ParameterizationRegistry() : TypeRegistry<ParamFactory>("parameterization type") {}
  std::map<std::string, std::string> required_optim_;
};

// The parameterization the validated `param:` section selects for a stack of this shape.
std::shared_ptr<Parameterization> build_parameterization(const ResolvedView& param, const ModelShape& shape);

}  // namespace weft

// `schema_fn` returns the type's Schema, `factory_fn` is a ParamFactory.
#define WEFT_REGISTER_PARAMETERIZATION(name, id, schema_fn, factory_fn, help_text)                          \
  static const bool weft_registered_param_##id [[maybe_unused]] =                                        \
      ::weft::ParameterizationRegistry::instance().add({name, help_text, schema_fn, factory_fn})
