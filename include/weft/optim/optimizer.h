// defines: NamedParameters, role_decays_by_default, Optimizer — the interface the
// trainer drives (step, zero_grad) and the checkpoint stores (named state tensors
// plus a small JSON object).
//
// Per-parameter hyper-parameters come from the Parameter itself, read at every
// step() so that param/ stays the single source of them (the README's architecture map "param"):
//   lr  = step(lr) argument × Parameter::lr_mult
//   wd  = options' weight_decay × effective_wd_mult(i)
//   eps = options' eps × Parameter::eps_mult                      (AdamW)
// where effective_wd_mult(i) = Parameter::wd_mult × (1 if the role decays, else 0).
// By default only hidden_weight and output parameters decay ("no decay on norms,
// biases, gains, embeddings"); the options' `decay_all_roles` turns the role mask
// off so that wd_mult alone decides. The mask is applied inside the optimizer
// rather than written into wd_mult, so a Parameter's multipliers stay exactly what
// the parameterization set. With the µP/CompleteP table (param/complete_p.h),
// whose wd_mult is already 0 for norms and biases, the mask only removes the
// embeddings' decay (λ_base in the paper): a width- and depth-independent factor.
//
// Skipped parameters: a parameter whose tensor.grad() is undefined got no
// gradient since the last zero_grad() (e.g. a block dropped by LayerDrop, an
// unused embedding row set); step() leaves it, its state and its decay untouched.
// The step count t still advances once per step() for the whole optimizer, so a
// parameter that missed steps uses the global t in its bias corrections.
//
// Gradient accumulation: backward() adds into .grad, so several backward() calls
// before one step() simply see the summed gradient (the trainer scales the loss).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "weft/nn/parameter.h"

namespace weft {

using NamedParameters = std::vector<std::pair<std::string, Parameter*>>;

// True for hidden_weight and output: the roles the default grouping decays.
bool role_decays_by_default(ParamRole role);

class Optimizer {
 public:
  // Named state tensors, e.g. {"adamw.exp_avg.blocks.0.attn.qkv.weight", m}.
  using StateTensors = std::vector<std::pair<std::string, Tensor>>;

  // Throws ValueError for a null parameter, an undefined or non-contiguous tensor,
  // a duplicated name or a tensor listed twice; DTypeError for a non-float tensor.
  Optimizer(NamedParameters params, bool decay_all_roles);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // "adamw", "sgd": the prefix of the state tensor names and state_json's "type".
  virtual std::string name() const = 0;

  // One update with base learning rate `lr` (finite, ≥ 0, else ValueError), then t += 1.
  virtual void step(double lr) = 0;
  // Drops every parameter's gradient (grad() becomes undefined).
  void zero_grad();

  // ZeRO-1 (train.shard_optimizer): from now on keep state and update only the
  // parameters with owned[i] true (the others are updated by the ranks that own
  // them, then gathered); state_tensors() then holds the owned parameters'
  // tensors only. Call after loading a full state. The default throws ConfigError
  // (an optimizer that cannot shard); AdamW can.
  virtual void shard(const std::vector<bool>& owned);

  // The optimizer's tensors by name. The handles alias the live state (no copy):
  // write them out before the next step().
  virtual StateTensors state_tensors() const = 0;
  // Copies `tensors` into the state. Every name state_tensors() produces must be
  // present with the same shape and dtype, and nothing else; otherwise throws
  // CheckpointError naming the tensor and leaves the state unchanged.
  virtual void load_state_tensors(const StateTensors& tensors) = 0;

  // {"type": name(), "t": step count}. Hyper-parameters are not stored: they
  // come from the recipe.
  virtual nlohmann::json state_json() const;
  // Restores t. Throws CheckpointError when `j` is not such an object for this type.
  virtual void load_state_json(const nlohmann::json& j);

  int64_t step_count() const { return t_; }
  const NamedParameters& parameters() const { return params_; }
  // Parameter::wd_mult × the role mask described above, for parameter i.
  double effective_wd_mult(size_t i) const;

 protected:
  // Throws ValueError unless lr is finite and ≥ 0.
  void check_lr(double lr) const;
  // The checking and copying shared by every load_state_tensors(): `expected`
  // holds the live tensors by name, filled from `given` after all checks pass.
  void load_named_tensors(const StateTensors& given, const StateTensors& expected) const;
  // A zero tensor like parameter i's (same shape, dtype, device).
  Tensor zeros_like_param(size_t i) const;

  NamedParameters params_;
  int64_t t_ = 0;
  bool decay_all_roles_ = false;
};

}  // namespace weft
