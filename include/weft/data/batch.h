// defines: Batch — one training or evaluation batch of any task: named tensors
// (text: "ids" and "targets"; a trajectory task: returns, states, actions,
// timesteps, mask, ...) plus the number of training units it holds (tokens for
// text, timesteps for RL), which the trainer counts for tok/s and MFU.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "weft/core/tensor.h"

namespace weft {

struct Batch {
  std::map<std::string, Tensor> tensors;
  int64_t units = 0;

  Batch& set(const std::string& name, Tensor t) {
    tensors[name] = std::move(t);
    return *this;
  }
  bool has(const std::string& name) const { return tensors.count(name) > 0; }
  // ValueError naming the missing tensor and the ones the batch has.
  const Tensor& at(const std::string& name) const;
  // The same batch with every tensor on `device` (tensors already there are shared).
  Batch to(Device device) const;
};

// A language-modelling batch: ids [B, T] and next-token targets [B, T] (i64);
// units = the number of targets.
Batch text_batch(Tensor ids, Tensor targets);

}  // namespace weft
