#include "weft/optim/sgd.h"

#include <cmath>

#include "weft/autograd/grad_mode.h"
#include "weft/core/error.h"
#include "weft/ops/elementwise.h"

namespace weft {

SGD::SGD(NamedParameters params, const SGDOptions& opts) : Optimizer(std::move(params), opts.decay_all_roles), opts_(opts) {
  WEFT_CHECK(opts.momentum >= 0 && opts.momentum < 1, ValueError, "sgd: momentum = ", opts.momentum,
             " must be in [0, 1)");
  WEFT_CHECK(opts.weight_decay >= 0 && std::isfinite(opts.weight_decay), ValueError,
             "sgd: weight_decay = ", opts.weight_decay, " must be >= 0");
  WEFT_CHECK(!opts.nesterov || opts.momentum > 0, ValueError, "sgd: nesterov needs momentum > 0");
  if (opts.momentum > 0) {
    momentum_.reserve(params_.size());
    for (size_t i = 0; i < params_.size(); ++i) momentum_.push_back(zeros_like_param(i));
  }
}

void SGD::step(double lr) {
  check_lr(lr);
  ++t_;
  // SGD has no fused kernel: it is written in ops (any device), recording nothing.
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    Parameter& p = *params_[i].second;
    Tensor g = p.tensor.grad();
    if (!g.defined()) continue;  // no gradient since zero_grad(): skipped (optimizer.h)
    Tensor w = p.tensor.detach();
    Tensor d = g;
    const double wd = opts_.weight_decay * effective_wd_mult(i);
    if (wd > 0) d = add(d, mul(w, wd));
    if (opts_.momentum > 0) {
      Tensor& buf = momentum_[i];
      buf.copy_(add(mul(buf, opts_.momentum), d));
      d = opts_.nesterov ? add(d, mul(buf, opts_.momentum)) : buf;
    }
    w.copy_(sub(w, mul(d, lr * p.lr_mult)));
  }
}

Optimizer::StateTensors SGD::state_tensors() const {
  StateTensors out;
  out.reserve(momentum_.size());
  for (size_t i = 0; i < momentum_.size(); ++i) out.emplace_back("sgd.momentum." + params_[i].first, momentum_[i]);
  return out;
}

void SGD::load_state_tensors(const StateTensors& tensors) { load_named_tensors(tensors, state_tensors()); }

}  // namespace weft
