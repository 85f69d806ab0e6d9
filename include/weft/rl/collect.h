// defines: CollectOptions, Trajectory, Controller, run_episode, BehaviourPolicy,
// register_behaviour_policy, WEFT_REGISTER_BEHAVIOUR_POLICY, OfflineData,
// behaviour_policies, collect_dataset, reference_returns, write_offline_data,
// read_offline_data — offline RL
// datasets collected in a registered environment by a behaviour policy, stored
// as safetensors with D4RL's keys.
//
// File layout (one row per environment step, episodes back to back):
//   observations [N, obs] F32   the observation the action was taken in
//   actions      [N, act] F32   continuous: the action; discrete: the index ([N, 1])
//   rewards      [N]      F32
//   terminals    [N]      F32   1 on the step that reached a terminal state
//   timeouts     [N]      F32   1 on the step the time limit ended
// metadata: format, env, policy, seed, episodes, steps, return_{mean,std,min,max},
// ref_random_return, ref_expert_return (the D4RL-style normalisation anchors:
// the mean return of the uniform-random and scripted-expert policies over a
// fixed set of episodes, the same for every file of an environment).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "weft/checkpoint/safetensors.h"
#include "weft/rl/environment.h"

namespace weft {

struct CollectOptions {
  std::string env, policy;
  int64_t episodes = 100;
  uint64_t seed = 0;
};

struct Trajectory {
  std::vector<std::vector<double>> observations, actions;
  std::vector<double> rewards;
  bool terminated = false;  // last step reached a terminal state (else the time limit)
  double ret() const;
};

// A scripted controller: the action for an observation (may keep state, e.g.
// which sub-goal it is heading for).
using Controller = std::function<std::vector<double>(const std::vector<double>& observation)>;

// One episode of `env` from reset(reset_seed), a uniformly random action with
// probability `noise` (drawn from `noise_seed`), else the scripted expert (or
// `controller` when given). `start` (optional) is passed to set_state after
// the reset: an episode that begins elsewhere than the reset distribution.
Trajectory run_episode(Environment& env, double noise, uint64_t reset_seed, uint64_t noise_seed,
                       const Controller& controller = nullptr, const std::vector<double>& start = {});

// A behaviour policy: runs episode i of n in `env` (named `env_name`) from the
// two seeds. The common five are noise rules over the scripted expert; an
// environment adds its own (gridmaze's `stitch`) with
// WEFT_REGISTER_BEHAVIOUR_POLICY, refusing other environments (ConfigError).
using BehaviourPolicy = std::function<Trajectory(Environment& env, const std::string& env_name, int64_t i,
                                                 int64_t n, uint64_t reset_seed, uint64_t noise_seed)>;
bool register_behaviour_policy(const std::string& name, BehaviourPolicy policy);

// The behaviour policies, named as in D4RL: random, medium, expert,
// medium-replay (the noise anneals from random to medium over the episodes, a
// replay buffer's quality spread), medium-expert (half medium, half expert),
// plus the environment-specific ones registered.
std::vector<std::string> behaviour_policies();

struct OfflineData {
  std::string env;
  std::vector<Trajectory> trajectories;
  std::map<std::string, std::string> metadata;
};

// The mean returns of the random and expert policies over a fixed set of 20
// episodes: the normalised score's 0 and 100.
std::pair<double, double> reference_returns(const std::string& env);

// ConfigError for an unknown environment or policy. Deterministic in the options.
OfflineData collect_dataset(const CollectOptions& o);

void write_offline_data(const std::filesystem::path& file, const OfflineData& d);
// DataError naming the file for a missing key, mismatched lengths, non-finite
// numbers or an unknown environment.
OfflineData read_offline_data(const std::filesystem::path& file);
// The metadata entry `key` of d as a finite number; DataError naming the file
// and the key when it is missing or not one.
double metadata_number(const OfflineData& d, const std::string& key, const std::string& file);

}  // namespace weft

#define WEFT_REGISTER_BEHAVIOUR_POLICY(name, id, fn) \
  static const bool weft_registered_policy_##id [[maybe_unused]] = ::weft::register_behaviour_policy(name, fn)
