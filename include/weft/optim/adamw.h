// defines: AdamWOptions, AdamW — Adam with decoupled weight decay
// (Loshchilov & Hutter 2019), one fused backend kernel per parameter.
//
// For each parameter with a gradient, at step t (1-based, counted by the optimizer):
//   m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²
//   p −= lr·lr_mult · ( (m/bc1) / (sqrt(v/bc2) + eps·eps_mult) + wd·wd_mult'·p )
// with bc1 = 1 − β1^t, bc2 = 1 − β2^t computed in double, and wd_mult' the
// effective decay multiplier (optimizer.h: 0 for embeddings, norms, biases and
// gains unless decay_all_roles). The decay term uses p before the update, which
// equals torch.optim.AdamW's p ← p·(1 − lr·wd) followed by the Adam step.
// Moments are allocated at construction as zeros (dtype and device of the
// parameter) and are stored as "adamw.exp_avg.<name>" / "adamw.exp_avg_sq.<name>".
#pragma once

#include <vector>

#include "weft/optim/optimizer.h"

namespace weft {

struct AdamWOptions {
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weight_decay = 0.1;
  // Decay every role by its wd_mult (otherwise only hidden_weight and output).
  bool decay_all_roles = false;
};

class AdamW final : public Optimizer {
 public:
  // Throws ValueError unless 0 ≤ β1, β2 < 1, eps > 0 and weight_decay ≥ 0.
  explicit AdamW(NamedParameters params, const AdamWOptions& opts = {});

  std::string name() const override { return "adamw"; }
  void step(double lr) override;
  StateTensors state_tensors() const override;
  void load_state_tensors(const StateTensors& tensors) override;
  // Drops the moments of parameters not owned (they are neither updated nor stored).
  void shard(const std::vector<bool>& owned) override;
  const AdamWOptions& options() const { return opts_; }

 private:
  AdamWOptions opts_;
  std::vector<Tensor> exp_avg_, exp_avg_sq_;  // undefined for a parameter another rank owns
  std::vector<bool> owned_;
};

}  // namespace weft
