// defines: SGDOptions, SGD — stochastic gradient descent with optional (Nesterov)
// momentum, following torch.optim.SGD with dampening 0:
//   d = g + wd·wd_mult'·p                       (coupled L2 decay, only when > 0)
//   buf = μ·buf + d                             (when μ > 0; buf starts at 0, so step 1 gives buf = d)
//   d = nesterov ? d + μ·buf : buf
//   p −= lr·lr_mult · d
// wd_mult' is the effective decay multiplier (optimizer.h). The momentum buffers
// are stored as "sgd.momentum.<name>"; with μ = 0 there is no state tensor.
#pragma once

#include <vector>

#include "weft/optim/optimizer.h"

namespace weft {

struct SGDOptions {
  double momentum = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  // Decay every role by its wd_mult (otherwise only hidden_weight and output).
  bool decay_all_roles = false;
};

class SGD final : public Optimizer {
 public:
  // Throws ValueError unless 0 ≤ momentum < 1, weight_decay ≥ 0, and nesterov
  // comes with momentum > 0.
  explicit SGD(NamedParameters params, const SGDOptions& opts = {});

  std::string name() const override { return "sgd"; }
  void step(double lr) override;
  StateTensors state_tensors() const override;
  void load_state_tensors(const StateTensors& tensors) override;
  const SGDOptions& options() const { return opts_; }

 private:
  SGDOptions opts_;
  std::vector<Tensor> momentum_;  // empty when opts_.momentum == 0
};

}  // namespace weft
