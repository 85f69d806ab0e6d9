// defines: SequencePolicy — what the rollout evaluator needs of a model: the
// action predictions of a window batch (rl/trajectory_window.h) and the data
// description it was built for. A model type that can act in an environment
// (decision_transformer, a user's own) derives from Model and SequencePolicy.
#pragma once

#include "weft/core/tensor.h"
#include "weft/data/batch.h"
#include "weft/rl/trajectory_window.h"

namespace weft {

class SequencePolicy {
 public:
  virtual ~SequencePolicy() = default;
  // The prediction for every step of the window: [B, K, act_dim] actions
  // (continuous) or [B, K, n_actions] logits (discrete). The action to take
  // after the last real step is row K − 1.
  virtual Tensor predict_actions(const Batch& window) = 0;
  virtual const TrajectorySpec& trajectory_spec() const = 0;
};

}  // namespace weft
