#include "weft/nn/module.h"

#include "weft/core/error.h"

namespace weft {

Parameter& Module::register_parameter(const std::string& name, Tensor t, ParamRole role) {
  WEFT_CHECK(name.find('.') == std::string::npos && !name.empty(), ValueError, "register_parameter: bad name '",
             name, "' (no dots; dotted paths come from the module tree)");
  for (auto& [n, p] : params_)
    WEFT_CHECK(n != name, ValueError, "register_parameter: '", name, "' registered twice");
  t = t.detach();
  t.set_requires_grad(true);
  auto p = std::make_unique<Parameter>();
  p->tensor = t;
  p->role = role;
  params_.emplace_back(name, std::move(p));
  return *params_.back().second;
}

void Module::to(Device device) {
  // Every copy is made first and the tensors are rebound after, so a failure (out of
  // device memory) leaves the module where it was. Rebinding t's TensorImpl moves
  // every handle that shares it.
  std::vector<std::pair<Tensor, Tensor>> moves;  // (tensor, its copy on `device`)
  for (auto& [name, p] : named_parameters())
    for (const Tensor& t : {p->tensor, p->tensor.grad()})
      if (t.defined() && t.device() != device) moves.emplace_back(t, t.to(device));
  for (auto& [t, moved] : moves) {
    TensorImpl& i = t.impl();
    i.storage = moved.storage();
    i.strides = moved.strides();
    i.offset = 0;
    i.device = device;
  }
}

Device Module::device() const {
  // The first parameter depth-first, without building the named list (Model::loss
  // asks once per micro-batch).
  const auto first = [](const Module& m, const auto& self) -> const Parameter* {
    if (!m.params_.empty()) return m.params_.front().second.get();
    for (const auto& [name, child] : m.children_)
      if (const Parameter* p = self(*child, self)) return p;
    return nullptr;
  };
  const Parameter* p = first(*this, first);
  return p ? p->tensor.device() : Device::cpu();
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  WEFT_CHECK(m != nullptr && !name.empty() && name.find('.') == std::string::npos, ValueError,
             "register_module: bad module or name '", name, "'");
  for (auto& [n, c] : children_) WEFT_CHECK(n != name, ValueError, "register_module: '", name, "' registered twice");
  children_.emplace_back(name, std::move(m));
}

std::vector<std::pair<std::string, Parameter*>> Module::named_parameters(const std::string& prefix) {
  std::vector<std::pair<std::string, Parameter*>> out;
  for (auto& [n, p] : params_) out.emplace_back(prefix + n, p.get());
  for (auto& [n, c] : children_) {
    auto sub = c->named_parameters(prefix + n + ".");
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

std::vector<std::pair<std::string, const Parameter*>> Module::named_parameters(const std::string& prefix) const {
  std::vector<std::pair<std::string, const Parameter*>> out;
  for (auto& [n, p] : params_) out.emplace_back(prefix + n, p.get());
  for (auto& [n, c] : children_) {
    const Module& cm = *c;
    auto sub = cm.named_parameters(prefix + n + ".");
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, p] : named_parameters()) n += p->tensor.numel();
  return n;
}

Parameter& Module::parameter(const std::string& dotted_name) {
  for (auto& [n, p] : named_parameters())
    if (n == dotted_name) return *p;
  throw ValueError("no parameter named '" + dotted_name + "'");
}

void Module::train(bool on) {
  training_ = on;
  on_mode_change();
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (auto& [n, p] : named_parameters()) p->tensor.zero_grad();
}

}  // namespace weft
