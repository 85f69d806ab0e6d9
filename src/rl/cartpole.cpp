// `cartpole`: Gymnasium's CartPole-v1 (classic_control/cartpole.py): the
// Barto–Sutton–Anderson cart-pole with its constants, the explicit Euler
// integrator, termination at |x| > 2.4 or |θ| > 12°, reward 1 per step
// (the terminating step included), a 500-step limit, and the initial state
// drawn from U(−0.05, 0.05)^4. Actions: 0 pushes left, 1 pushes right.
#include <cmath>
#include <numbers>

#include "weft/core/error.h"
#include "weft/core/rng.h"
#include "weft/rl/environment.h"

namespace weft {
namespace {

class CartPole : public Environment {
 public:
  static constexpr double gravity = 9.8, masscart = 1.0, masspole = 0.1, total_mass = masspole + masscart;
  static constexpr double length = 0.5, polemass_length = masspole * length, force_mag = 10.0, tau = 0.02;
  static constexpr double theta_threshold = 12 * 2 * std::numbers::pi / 360, x_threshold = 2.4;

  Space observation_space() const override {
    const double big = 3.4028234663852886e38;  // float32 max, as Gymnasium's Box
    return {4, false, 0, {-2 * x_threshold, -big, -2 * theta_threshold, -big},
            {2 * x_threshold, big, 2 * theta_threshold, big}};
  }
  Space action_space() const override { return {1, true, 2, {0}, {1}}; }
  int64_t max_episode_steps() const override { return 500; }

  std::vector<double> reset(uint64_t seed) override {
    for (int i = 0; i < 4; ++i) s_[i] = -0.05 + 0.1 * philox_uniform({seed, 0x6361727470ull}, uint64_t(i));
    steps_ = 0;
    return {s_, s_ + 4};
  }

  StepResult step(const std::vector<double>& action) override {
    check_action(action_space(), action, "cartpole");
    double x = s_[0], x_dot = s_[1], theta = s_[2], theta_dot = s_[3];
    const double force = action[0] == 1 ? force_mag : -force_mag;
    const double c = std::cos(theta), s = std::sin(theta);
    const double temp = (force + polemass_length * theta_dot * theta_dot * s) / total_mass;
    const double thetaacc = (gravity * s - c * temp) / (length * (4.0 / 3.0 - masspole * c * c / total_mass));
    const double xacc = temp - polemass_length * thetaacc * c / total_mass;
    x += tau * x_dot;
    x_dot += tau * xacc;
    theta += tau * theta_dot;
    theta_dot += tau * thetaacc;
    s_[0] = x, s_[1] = x_dot, s_[2] = theta, s_[3] = theta_dot;
    ++steps_;
    StepResult r;
    r.observation = {s_, s_ + 4};
    r.terminated = x < -x_threshold || x > x_threshold || theta < -theta_threshold || theta > theta_threshold;
    r.truncated = !r.terminated && steps_ >= max_episode_steps();
    r.reward = 1.0;
    return r;
  }

  void set_state(const std::vector<double>& s) override {
    WEFT_CHECK(s.size() == 4, ValueError, "cartpole: the state is (x, x_dot, theta, theta_dot), got ", s.size(), " numbers");
    for (int i = 0; i < 4; ++i) s_[i] = s[size_t(i)];
  }

  // A linear state-feedback controller (LQR-like gains, all positive in this
  // sign convention), thresholded to the two pushes: balances for 500 steps.
  std::vector<double> expert_action(const std::vector<double>& o) const override {
    const double u = 1.0 * o[0] + 1.5 * o[1] + 18.0 * o[2] + 3.0 * o[3];
    return {u > 0 ? 1.0 : 0.0};
  }
  double medium_noise() const override { return 0.45; }

 private:
  double s_[4] = {0, 0, 0, 0};
  int64_t steps_ = 0;
};


WEFT_REGISTER_ENVIRONMENT("cartpole", CartPole, "Gymnasium CartPole-v1: balance a pole, 2 discrete pushes, 500 steps");

}  // namespace
}  // namespace weft
