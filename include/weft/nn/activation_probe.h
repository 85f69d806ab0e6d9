// defines: ActivationProbe — records the mean |x| of named activations during a
// forward pass, for coordinate checks (the CompleteP paper, Procedure (a): "log mean
// |·| of the embedding output, each block's output and the logits per step").
//
// A Model given a probe (set_activation_probe) records, in forward
// order, "embed" (the scaled embedding output), "blocks.<i>" (each block's
// output, i.e. the residual stream after it) and "logits". Without a probe the
// forward does no extra work. `weft train --activations FILE` writes one JSON
// line per step from it (train/trainer.h).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "weft/core/tensor.h"

namespace weft {

class ActivationProbe {
 public:
  // Appends (name, mean |x|), computed without recording gradients.
  void record(const std::string& name, const Tensor& x);
  const std::vector<std::pair<std::string, double>>& values() const { return values_; }
  void clear() { values_.clear(); }

 private:
  std::vector<std::pair<std::string, double>> values_;
};

}  // namespace weft
