#include "weft/optim/adamw.h"

#include <cmath>

#include "weft/backend/dispatch.h"
#include "weft/core/error.h"

namespace weft {

AdamW::AdamW(NamedParameters params, const AdamWOptions& opts)
    : Optimizer(std::move(params), opts.decay_all_roles), opts_(opts) {
  WEFT_CHECK(opts.beta1 >= 0 && opts.beta1 < 1, ValueError, "adamw: beta1 = ", opts.beta1, " must be in [0, 1)");
  WEFT_CHECK(opts.beta2 >= 0 && opts.beta2 < 1, ValueError, "adamw: beta2 = ", opts.beta2, " must be in [0, 1)");
  WEFT_CHECK(opts.eps > 0 && std::isfinite(opts.eps), ValueError, "adamw: eps = ", opts.eps, " must be > 0");
  WEFT_CHECK(opts.weight_decay >= 0 && std::isfinite(opts.weight_decay), ValueError,
             "adamw: weight_decay = ", opts.weight_decay, " must be >= 0");
  exp_avg_.reserve(params_.size());
  exp_avg_sq_.reserve(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    exp_avg_.push_back(zeros_like_param(i));
    exp_avg_sq_.push_back(zeros_like_param(i));
  }
  owned_.assign(params_.size(), true);
}

void AdamW::shard(const std::vector<bool>& owned) {
  WEFT_CHECK(owned.size() == params_.size(), ValueError, "adamw: shard() got ", owned.size(), " flags for ",
             params_.size(), " parameters");
  owned_ = owned;
  for (size_t i = 0; i < params_.size(); ++i)
    if (!owned_[i]) exp_avg_[i] = exp_avg_sq_[i] = Tensor();
}

void AdamW::step(double lr) {
  check_lr(lr);
  ++t_;
  const double t = static_cast<double>(t_);
  AdamWStep s;
  s.beta1 = opts_.beta1;
  s.beta2 = opts_.beta2;
  s.bias_correction1 = 1.0 - std::pow(opts_.beta1, t);
  s.bias_correction2 = 1.0 - std::pow(opts_.beta2, t);
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i].second;
    Tensor g = p.tensor.grad();
    if (!g.defined() || !owned_[i]) continue;  // no gradient since zero_grad(): skipped (optimizer.h)
    // Accumulated gradients are dense already; a user-set strided one is copied once.
    if (!g.is_contiguous()) g = g.clone();
    s.lr = lr * p.lr_mult;
    s.eps = opts_.eps * p.eps_mult;
    s.weight_decay = opts_.weight_decay * effective_wd_mult(i);
    backend_for(p.tensor.device()).adamw_update(p.tensor, g, exp_avg_[i], exp_avg_sq_[i], s);
  }
}

Optimizer::StateTensors AdamW::state_tensors() const {
  StateTensors out;
  out.reserve(2 * params_.size());
  for (size_t i = 0; i < params_.size(); ++i)
    if (owned_[i]) out.emplace_back("adamw.exp_avg." + params_[i].first, exp_avg_[i]);
  for (size_t i = 0; i < params_.size(); ++i)
    if (owned_[i]) out.emplace_back("adamw.exp_avg_sq." + params_[i].first, exp_avg_sq_[i]);
  return out;
}

void AdamW::load_state_tensors(const StateTensors& tensors) { load_named_tensors(tensors, state_tensors()); }

}  // namespace weft
