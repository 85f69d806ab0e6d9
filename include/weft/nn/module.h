// defines: Module — named parameters and submodules, train/eval mode.
//
// Parameter names are dotted paths through the module tree
// (`blocks.3.attn.qkv.weight`); they are the checkpoint tensor names and the
// keys param/ and the optimizer use.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "weft/nn/parameter.h"

namespace weft {

class Parameterization;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Every parameter of this module and its submodules, depth-first in
  // registration order, with dotted names.
  std::vector<std::pair<std::string, Parameter*>> named_parameters(const std::string& prefix = "");
  std::vector<std::pair<std::string, const Parameter*>> named_parameters(const std::string& prefix = "") const;
  int64_t num_parameters() const;
  // Looks a parameter up by dotted name; throws ValueError naming it when absent.
  Parameter& parameter(const std::string& dotted_name);

  // Moves every parameter (and its gradient) of the tree to `device`, in place: the
  // Parameter slots and any Tensor handle of them stay valid and see the moved data.
  // Models are built on the cpu (so initial weights are identical on every device)
  // and then moved; ops refuse tensors of two devices.
  void to(Device device);
  // The device of the parameters (cpu for a module without any).
  Device device() const;

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

  // A module whose subtree was built with a parameterization of its own (a
  // BlockStack of another width/depth than the model) returns it; the
  // optimizer multipliers of its parameters then come from it.
  virtual const Parameterization* scope_parameterization() const { return nullptr; }

 protected:
  // Registers a leaf tensor (made to require grad) under `name`; returns its slot.
  Parameter& register_parameter(const std::string& name, Tensor t, ParamRole role);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }
  // Called by train(); modules with mode-dependent state override it.
  virtual void on_mode_change() {}

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  std::vector<std::pair<std::string, std::unique_ptr<Parameter>>> params_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace weft
