// defines: TrajectorySpec, WindowRows, window_batch — the one place that turns
// K steps of (return-to-go, state, action, timestep) into the batch a
// sequence policy reads, for training windows and rollouts alike, so both
// normalise, pad and clamp the same way (the Decision Transformer paper):
//   "states" [B, K, S] f32 (normalised with the training split's mean/std),
//   "actions" [B, K, A] f32 (continuous: mapped to [−1, 1] by the action
//   bounds; discrete: the index, A = 1),
//   "returns_to_go" [B, K, 1] f32 (already divided by the return scale),
//   "timesteps" [B, K] i64 (clamped to max_ep_len − 1), "mask" [B, K] f32;
// a window of k < K steps is left-padded: state 0, RTG 0, timestep 0, action
// −10 (continuous) or 0 (discrete), mask 0. Batch::units = the real steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "weft/data/batch.h"

namespace weft {

struct TrajectorySpec {
  std::string env;
  int64_t state_dim = 0, act_dim = 0, n_actions = 0;
  bool discrete = false;
  std::vector<double> state_mean, state_std;
  // Continuous actions are fed and predicted in [−1, 1] units of these bounds
  // (so a tanh head reaches the whole action space); empty for discrete.
  std::vector<double> action_low, action_high;
  double return_scale = 1;
  int64_t max_ep_len = 1000;
  double ref_random_return = 0, ref_expert_return = 1, return_max = 0, return_mean = 0;
  // The range of the (scaled) returns-to-go of the training split: Elastic DT's
  // return bins span it.
  double rtg_min = 0, rtg_max = 0;

  nlohmann::json to_json() const;
  // ConfigError naming the missing key for a description that is not one of these.
  static TrajectorySpec from_json(const nlohmann::json& j, const std::string& who);
};

// One window's real steps, oldest first (at most K): raw states, actions,
// scaled returns-to-go and absolute timesteps.
struct WindowRows {
  std::vector<std::vector<double>> states, actions;
  std::vector<double> rtg;
  std::vector<int64_t> timesteps;
};

// A model's continuous prediction (in [−1, 1] units) as an environment action.
std::vector<double> action_from_unit(const TrajectorySpec& spec, const std::vector<double>& unit);

Batch window_batch(const TrajectorySpec& spec, int64_t K, const std::vector<WindowRows>& rows);

}  // namespace weft
