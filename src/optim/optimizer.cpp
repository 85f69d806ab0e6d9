#include "weft/optim/optimizer.h"

#include <cmath>
#include <map>
#include <set>

#include "weft/core/error.h"

namespace weft {

bool role_decays_by_default(ParamRole role) { return role == ParamRole::hidden_weight || role == ParamRole::output; }

Optimizer::Optimizer(NamedParameters params, bool decay_all_roles)
    : params_(std::move(params)), decay_all_roles_(decay_all_roles) {
  std::set<std::string> names;
  std::set<const TensorImpl*> tensors;
  for (const auto& [name, p] : params_) {
    WEFT_CHECK(p != nullptr, ValueError, "optimizer: parameter '", name, "' is null");
    WEFT_CHECK(p->tensor.defined(), ValueError, "optimizer: parameter '", name, "' has no tensor");
    WEFT_CHECK(is_floating(p->tensor.dtype()), DTypeError, "optimizer: parameter '", name, "' is ",
               p->tensor.describe(), "; only floating-point tensors can be trained");
    // The fused kernels update storage in place, element i of p with element i of g.
    WEFT_CHECK(p->tensor.is_contiguous(), ValueError, "optimizer: parameter '", name, "' (",
               p->tensor.describe(), ") is not contiguous");
    WEFT_CHECK(names.insert(name).second, ValueError, "optimizer: parameter name '", name, "' appears twice");
    // A tied tensor listed under two names would be updated twice per step.
    WEFT_CHECK(tensors.insert(p->tensor.impl_ptr().get()).second, ValueError, "optimizer: parameter '", name,
               "' is the same tensor as an earlier parameter; list tied parameters once");
  }
}

void Optimizer::shard(const std::vector<bool>&) {
  throw ConfigError("optimizer '" + name() +
                    "' (optim.type) cannot shard its state across ranks: train.shard_optimizer: true needs an "
                    "optimizer that implements Optimizer::shard (see `weft layers`), or set it to false");
}

void Optimizer::zero_grad() {
  for (auto& [name, p] : params_) p->tensor.zero_grad();
}

double Optimizer::effective_wd_mult(size_t i) const {
  const Parameter& p = *params_.at(i).second;
  return (decay_all_roles_ || role_decays_by_default(p.role)) ? p.wd_mult : 0.0;
}

void Optimizer::check_lr(double lr) const {
  WEFT_CHECK(std::isfinite(lr) && lr >= 0, ValueError, name(), ".step: learning rate ", lr,
             " must be finite and >= 0");
}

Tensor Optimizer::zeros_like_param(size_t i) const {
  const Tensor& t = params_[i].second->tensor;
  return Tensor::zeros(t.shape(), t.dtype(), t.device());
}

nlohmann::json Optimizer::state_json() const { return {{"type", name()}, {"t", t_}}; }

void Optimizer::load_state_json(const nlohmann::json& j) {
  WEFT_CHECK(j.is_object(), CheckpointError, "optimizer state: expected a JSON object, got ", j.dump());
  WEFT_CHECK(j.contains("type") && j["type"].is_string(), CheckpointError,
             "optimizer state: missing string key 'type' in ", j.dump());
  const std::string type = j["type"].get<std::string>();
  WEFT_CHECK(type == name(), CheckpointError, "optimizer state: the checkpoint was written by '", type,
             "' but the recipe's optimizer is '", name(), "'");
  WEFT_CHECK(j.contains("t") && j["t"].is_number_integer() && j["t"].get<int64_t>() >= 0, CheckpointError,
             "optimizer state: key 't' must be an integer >= 0, got ", j.contains("t") ? j["t"].dump() : "nothing");
  t_ = j["t"].get<int64_t>();
}

void Optimizer::load_named_tensors(const StateTensors& given, const StateTensors& expected) const {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [n, t] : given) {
    WEFT_CHECK(by_name.emplace(n, &t).second, CheckpointError, "optimizer state: tensor '", n, "' appears twice");
  }
  // Check everything before copying anything, so a bad checkpoint leaves the state as it was.
  for (const auto& [n, live] : expected) {
    auto it = by_name.find(n);
    WEFT_CHECK(it != by_name.end(), CheckpointError, "optimizer state: missing tensor '", n, "' (expected ",
               dtype_name(live.dtype()), shape_str(live.shape()), ")");
    const Tensor& t = *it->second;
    WEFT_CHECK(t.defined() && t.shape() == live.shape() && t.dtype() == live.dtype(), CheckpointError,
               "optimizer state: tensor '", n, "' is ",
               t.defined() ? std::string(dtype_name(t.dtype())) + shape_str(t.shape()) : std::string("undefined"),
               " but the parameter needs ", dtype_name(live.dtype()), shape_str(live.shape()));
  }
  if (by_name.size() != expected.size()) {
    std::set<std::string> want;
    for (const auto& [n, live] : expected) want.insert(n);
    for (const auto& [n, t] : given)
      WEFT_CHECK(want.count(n), CheckpointError, "optimizer state: unexpected tensor '", n, "' (", name(),
                 " has no such state for these parameters)");
  }
  for (const auto& [n, live] : expected) {
    Tensor dst = live;  // a handle: copy_ writes into the live storage
    dst.copy_(*by_name.at(n));
  }
}

}  // namespace weft
