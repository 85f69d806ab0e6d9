// `pendulum`: Gymnasium's Pendulum-v1 (classic_control/pendulum.py): g = 10,
// m = l = 1, dt = 0.05, |θ̇| ≤ 8, |u| ≤ 2; reward −(θ² + 0.1 θ̇² + 0.001 u²)
// with θ normalised to [−π, π); semi-implicit Euler (θ̇ first, clipped, then
// θ); observation (cos θ, sin θ, θ̇); a 200-step limit; reset θ ~ U(−π, π),
// θ̇ ~ U(−1, 1). θ = 0 is upright.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "weft/core/error.h"
#include "weft/core/rng.h"
#include "weft/rl/environment.h"

namespace weft {
namespace {

double angle_normalize(double x) {
  const double pi = std::numbers::pi;
  const double m = std::fmod(x + pi, 2 * pi);  // Python's % is a floor modulo
  return (m < 0 ? m + 2 * pi : m) - pi;
}

class Pendulum : public Environment {
 public:
  static constexpr double max_speed = 8, max_torque = 2, dt = 0.05, g = 10, m = 1, l = 1;

  Space observation_space() const override { return {3, false, 0, {-1, -1, -max_speed}, {1, 1, max_speed}}; }
  Space action_space() const override { return {1, false, 0, {-max_torque}, {max_torque}}; }
  int64_t max_episode_steps() const override { return 200; }

  std::vector<double> reset(uint64_t seed) override {
    const double pi = std::numbers::pi;
    th_ = -pi + 2 * pi * philox_uniform({seed, 0x70656e64ull}, 0);
    thdot_ = -1 + 2 * philox_uniform({seed, 0x70656e64ull}, 1);
    steps_ = 0;
    return obs();
  }

  StepResult step(const std::vector<double>& action) override {
    check_action(action_space(), action, "pendulum");
    const double u = std::clamp(action[0], -max_torque, max_torque);
    const double an = angle_normalize(th_);
    const double costs = an * an + 0.1 * thdot_ * thdot_ + 0.001 * u * u;
    double newthdot = thdot_ + (3 * g / (2 * l) * std::sin(th_) + 3.0 / (m * l * l) * u) * dt;
    newthdot = std::clamp(newthdot, -max_speed, max_speed);
    th_ = th_ + newthdot * dt;
    thdot_ = newthdot;
    ++steps_;
    StepResult r;
    r.observation = obs();
    r.reward = -costs;
    r.truncated = steps_ >= max_episode_steps();
    return r;
  }

  void set_state(const std::vector<double>& s) override {
    WEFT_CHECK(s.size() == 2, ValueError, "pendulum: the state is (theta, theta_dot), got ", s.size(), " numbers");
    th_ = s[0], thdot_ = s[1];
  }

  // Energy shaping far from the top (dE/dt = θ̇·u with E = θ̇²/6 + 5 cos θ,
  // E* = 5 upright at rest), a PD law near it (θ̈ = 15θ + 3u → u = −10θ − 2θ̇).
  std::vector<double> expert_action(const std::vector<double>& o) const override {
    const double th = std::atan2(o[1], o[0]), thdot = o[2];
    const double e = thdot * thdot / 6 + 5 * o[0];
    double u;
    if (o[0] > 0.85)
      u = -10 * th - 2 * thdot;
    else
      u = (5 - e) * (thdot >= 0 ? 1.0 : -1.0) * 2.0;
    return {std::clamp(u, -max_torque, max_torque)};
  }
  double medium_noise() const override { return 0.5; }

 private:
  std::vector<double> obs() const { return {std::cos(th_), std::sin(th_), thdot_}; }
  double th_ = 0, thdot_ = 0;
  int64_t steps_ = 0;
};


WEFT_REGISTER_ENVIRONMENT("pendulum", Pendulum, "Gymnasium Pendulum-v1: swing up and hold, torque in [-2, 2], 200 steps");

}  // namespace
}  // namespace weft
