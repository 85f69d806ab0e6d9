// defines: RolloutOptions, EpisodeResult, rollout, normalized_score — return-
// conditioned evaluation of a sequence policy in its environment
// (the Decision Transformer paper): R̂_0 = target / return_scale; each step appends s_t with a
// placeholder action, keeps the last K steps (left-padded), takes the action
// predicted at the last real step (continuous: mapped back from [−1, 1];
// discrete: the argmax), steps the environment, and sets
// R̂_{t+1} = R̂_t − r_t / return_scale ("delayed" keeps R̂ constant).
// The episodes run side by side as one batch. A policy with a search stride
// (Elastic DT) ignores the target: each step's return is its own searched
// estimate (rl/elastic_search.h).
#pragma once

#include <cstdint>
#include <vector>

#include "weft/rl/sequence_policy.h"

namespace weft {

struct RolloutOptions {
  double target = 0;      // in return units (unscaled)
  int64_t episodes = 10;
  uint64_t seed = 0;      // episode e starts from reset(f(seed, e))
  bool delayed = false;   // keep R̂ at target / scale for the whole episode
  int64_t max_steps = 0;  // 0 = the environment's limit
};

struct EpisodeResult {
  double ret = 0;
  int64_t length = 0;
};

std::vector<EpisodeResult> rollout(SequencePolicy& policy, int64_t K, const RolloutOptions& o);

// D4RL's 100 · (R − R_random) / (R_expert − R_random).
double normalized_score(const TrajectorySpec& spec, double ret);

}  // namespace weft
