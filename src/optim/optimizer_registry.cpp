// The built-in optimizers as registered types: adamw, sgd.
#include "weft/optim/registry.h"

#include "weft/optim/adamw.h"
#include "weft/optim/sgd.h"

namespace weft {

OptimizerRegistry& OptimizerRegistry::instance() {
  static OptimizerRegistry r;
  return r;
}

Schema optimizer_common_schema() {
  Schema s;
  s.add_number("lr", 3e-4).min(0.0, true).max(10.0).help("peak learning rate");
  s.add_number("weight_decay", 0.1).range(0.0, 10.0)
      .help("decoupled weight decay (matrices only by default: no decay on norms, biases, gains, embeddings)");
  s.add_number("clip", 1.0).range(0.0, 1e6).help("global gradient-norm clipping threshold (0 = off)");
  return s;
}

std::unique_ptr<Optimizer> build_optimizer(const ResolvedView& optim, NamedParameters params) {
  return OptimizerRegistry::instance().at(optim.get<std::string>("type")).factory(optim, std::move(params));
}

namespace {

Schema adamw_schema() {
  Schema s = optimizer_common_schema();
  s.add_numbers("betas", std::vector<double>{0.9, 0.95}).length(2).range(0.0, 0.999999).help("(beta1, beta2)");
  s.add_number("eps", 1e-8).min(0.0, true).max(1.0).help("denominator epsilon");
  return s;
}

std::unique_ptr<Optimizer> make_adamw(const ResolvedView& o, NamedParameters params) {
  AdamWOptions a;
  auto betas = o.get<std::vector<double>>("betas");
  a.beta1 = betas[0];
  a.beta2 = betas[1];
  a.eps = o.get<double>("eps");
  a.weight_decay = o.get<double>("weight_decay");
  return std::make_unique<AdamW>(std::move(params), a);
}

Schema sgd_schema() {
  Schema s = optimizer_common_schema();
  s.add_number("momentum", 0.9).range(0.0, 0.999999).help("momentum factor");
  s.add_bool("nesterov", false).help("Nesterov momentum");
  return s;
}

std::unique_ptr<Optimizer> make_sgd(const ResolvedView& o, NamedParameters params) {
  SGDOptions s;
  s.momentum = o.get<double>("momentum");
  s.nesterov = o.get<bool>("nesterov");
  s.weight_decay = o.get<double>("weight_decay");
  return std::make_unique<SGD>(std::move(params), s);
}

}  // namespace

WEFT_REGISTER_OPTIMIZER("adamw", adamw, adamw_schema, make_adamw,
                        "AdamW (decoupled weight decay), per-group lr/wd/eps multipliers from the parameterization");
WEFT_REGISTER_OPTIMIZER("sgd", sgd, sgd_schema, make_sgd, "SGD with momentum (optionally Nesterov)");

}  // namespace weft
