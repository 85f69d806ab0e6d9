#include "weft/rl/environment.h"

#include <cmath>

#include "weft/core/error.h"

namespace weft {

std::vector<double> Environment::expert_action(const std::vector<double>&) const {
  throw ConfigError("this environment has no scripted expert policy");
}

void Environment::set_state(const std::vector<double>&) {
  throw ConfigError("this environment cannot be set to a given state");
}

std::vector<double> Environment::observe() const {
  throw ConfigError("this environment cannot report its current observation");
}

EnvironmentRegistry& EnvironmentRegistry::instance() {
  static EnvironmentRegistry r;
  return r;
}

std::unique_ptr<Environment> make_environment(const std::string& name) {
  return EnvironmentRegistry::instance().at(name).factory();
}

void check_action(const Space& space, const std::vector<double>& action, const std::string& env) {
  const int64_t want = space.discrete ? 1 : space.size;
  WEFT_CHECK(static_cast<int64_t>(action.size()) == want, ValueError, env, ": action has ", action.size(),
             " numbers, the action space ", want);
  for (double a : action) WEFT_CHECK(std::isfinite(a), ValueError, env, ": action is not finite");
  if (space.discrete) {
    const double a = action[0];
    WEFT_CHECK(a == std::floor(a) && a >= 0 && a < double(space.n), ValueError, env, ": discrete action ", a,
               " is not an index in [0, ", space.n, ")");
  }
}

}  // namespace weft
