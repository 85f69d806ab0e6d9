// defines: SequencePolicy — what the rollout evaluator needs of a model: the
// action predictions of a window batch (rl/trajectory_window.h) and the data
// description it was built for. A model type that can act in an environment
// (decision_transformer, a user's own) derives from Model and SequencePolicy.
#pragma once

#include "weft/core/error.h"

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
  // Elastic DT (Wu et al. 2023, §4.3): the stride of the inference-time search
  // over history lengths; 0 (the default) = plain return conditioning.
  virtual int64_t search_stride() const { return 0; }
  // [B, K] the estimated maximal (scaled) return-to-go R̃ of every step, read
  // before that step's return token; only for a policy with search_stride() > 0.
  virtual Tensor estimate_returns(const Batch& window);
};

inline Tensor SequencePolicy::estimate_returns(const Batch&) {
  throw ConfigError("this policy has no return estimate (Elastic DT's expectile head)");
}

}  // namespace weft
