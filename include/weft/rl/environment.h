// defines: Space, StepResult, Environment, EnvironmentRegistry,
// make_environment, WEFT_REGISTER_ENVIRONMENT — the environments offline RL
// collects datasets in and evaluates policies by rollout (cartpole, pendulum,
// a user's own).
//
// An environment is one class with a default constructor, registered with one
// line. It is deterministic: reset(seed) draws the initial state from `seed`
// alone, and step() is a pure function of the state and the action. The time
// limit is the environment's own (Gymnasium's TimeLimit wrapper folded in):
// step() sets `truncated` on the step that reaches max_episode_steps().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/nn/type_registry.h"

namespace weft {

// An observation or action space: `size` numbers, each within [low, high]; a
// discrete action space holds one number, the action index in [0, n).
struct Space {
  int64_t size = 0;
  bool discrete = false;
  int64_t n = 0;  // discrete: the number of actions
  std::vector<double> low, high;
};

struct StepResult {
  std::vector<double> observation;
  double reward = 0;
  bool terminated = false;  // the MDP ended (a terminal state)
  bool truncated = false;   // the time limit ended the episode
};

class Environment {
 public:
  virtual ~Environment() = default;
  virtual Space observation_space() const = 0;
  virtual Space action_space() const = 0;
  virtual int64_t max_episode_steps() const = 0;
  // Starts an episode; the initial state depends on `seed` only.
  virtual std::vector<double> reset(uint64_t seed) = 0;
  // ValueError for an action outside the space (a discrete index out of range,
  // a wrong size); continuous actions are clipped to the bounds like Gymnasium.
  virtual StepResult step(const std::vector<double>& action) = 0;
  // Sets the physical state (Gymnasium's `env.unwrapped.state`): cartpole
  // (x, ẋ, θ, θ̇), pendulum (θ, θ̇), gridmaze (row, column), pointmaze
  // (x, y, vx, vy). The step counter is kept. For tests and
  // planning; the default refuses (ConfigError).
  virtual void set_state(const std::vector<double>& state);
  // The observation of the current state (after set_state); the default
  // refuses (ConfigError).
  virtual std::vector<double> observe() const;
  // A scripted expert (energy shaping, LQR, ...) for dataset collection; the
  // default has none (ConfigError).
  virtual std::vector<double> expert_action(const std::vector<double>& observation) const;
  // The chance of a uniformly random action in the "medium" behaviour policy.
  virtual double medium_noise() const { return 0.5; }
};

using EnvironmentFactory = std::function<std::unique_ptr<Environment>()>;

class EnvironmentRegistry : public TypeRegistry<EnvironmentFactory> {
 public:
  static EnvironmentRegistry& instance();

 private:
  EnvironmentRegistry() : TypeRegistry<EnvironmentFactory>("environment") {}
};

// ConfigError listing the known environments for an unknown name.
std::unique_ptr<Environment> make_environment(const std::string& name);

// Checks an action against a space: ValueError naming the environment otherwise.
void check_action(const Space& space, const std::vector<double>& action, const std::string& env);

}  // namespace weft

#define WEFT_REGISTER_ENVIRONMENT(name, Class, help_text)                                     \
  static const bool weft_registered_environment_##Class [[maybe_unused]] =                   \
      ::weft::EnvironmentRegistry::instance().add(                                           \
          {name, help_text, [] { return ::weft::Schema(); },                                  \
           []() -> std::unique_ptr<::weft::Environment> { return std::make_unique<Class>(); }})
