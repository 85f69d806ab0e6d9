// cartpole and pendulum against values worked out from Gymnasium's published
// equations (CartPole-v1, Pendulum-v1; printed at 17 digits by a transcription
// of classic_control/{cartpole,pendulum}.py), resets, time limits, errors.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "weft/core/error.h"
#include "weft/rl/environment.h"

using namespace weft;

namespace {
bool close(double a, double b, double tol = 1e-14) { return std::abs(a - b) <= tol; }
}  // namespace

TEST_SUITE("rl_env") {
  TEST_CASE("cartpole: five Euler steps from a set state") {
    auto env = make_environment("cartpole");
    env->reset(1);
    env->set_state({0.01, -0.02, 0.03, 0.04});
    const double want[5][4] = {
        {0.0096000000000000009, 0.17467919574755525, 0.030799999999999998, -0.24306871796000809},
        {0.013093583914951107, 0.36934797605795561, 0.025938625640799837, -0.52587962805014832},
        {0.020480543436110221, 0.17387081260481596, 0.015421033079796869, -0.22513741609237464},
        {0.023957959688206541, 0.36876901017476171, 0.010918284757949377, -0.51291634780265871},
        {0.031333339891701777, 0.17349499275068458, 0.00065995780189620316, -0.21681286835696195}};
    const double actions[5] = {1, 1, 0, 1, 0};
    for (int k = 0; k < 5; ++k) {
      INFO("step " << k + 1);
      StepResult r = env->step({actions[k]});
      for (int j = 0; j < 4; ++j) CHECK(close(r.observation[size_t(j)], want[k][j]));
      CHECK(r.reward == 1.0);
      CHECK_FALSE(r.terminated);
      CHECK_FALSE(r.truncated);
    }
  }

  TEST_CASE("cartpole: the pole falls past 12 degrees on step 3 (reward 1 on that step too)") {
    auto env = make_environment("cartpole");
    env->reset(1);
    env->set_state({0, 0, 0.2, 0});
    CHECK_FALSE(env->step({0}).terminated);
    CHECK_FALSE(env->step({0}).terminated);
    StepResult r = env->step({0});
    CHECK(r.terminated);
    CHECK(r.reward == 1.0);
    CHECK(close(r.observation[2], 0.22091079819315118));
  }

  TEST_CASE("cartpole: reset draws U(-0.05, 0.05)^4 from the seed; 500-step limit") {
    auto env = make_environment("cartpole");
    const auto a = env->reset(11), b = env->reset(11), c = env->reset(12);
    CHECK(a == b);
    CHECK(a != c);
    double mean = 0;
    for (uint64_t s = 0; s < 400; ++s)
      for (double v : env->reset(s)) {
        CHECK(v >= -0.05);
        CHECK(v <= 0.05);
        mean += v / 1600;
      }
    CHECK(std::abs(mean) < 0.005);
    env->reset(3);
    int64_t n = 0;
    StepResult r;
    do {
      r = env->step(env->expert_action(n == 0 ? env->reset(3) : r.observation));
      ++n;
    } while (!r.terminated && !r.truncated);
    CHECK(n == 500);
    CHECK(r.truncated);
    CHECK_FALSE(r.terminated);
    CHECK_THROWS_AS(env->step({2}), ValueError);
    CHECK_THROWS_AS(env->step({0.5}), ValueError);
    CHECK(env->action_space().discrete);
    CHECK(env->action_space().n == 2);
    CHECK(env->observation_space().size == 4);
  }

  TEST_CASE("pendulum: three steps, torque clipping, speed clipping, angle normalisation") {
    auto env = make_environment("pendulum");
    env->reset(1);
    env->set_state({2.5, -0.7});
    const double want[3][4] = {
        {-0.80036055178508225, 0.59951896312483621, -0.026145891922032538, -6.3012500000000005},
        {-0.80404710050504169, 0.59456560627859678, 0.1234933304215946, -6.2475335968050949},
        {-0.8217167621704845, 0.56989609822146992, 0.60691753513054225, -6.2759481112002122}};
    const double u[3] = {1.5, -3.0, 0.25};  // -3 is clipped to -2
    for (int k = 0; k < 3; ++k) {
      INFO("step " << k + 1);
      StepResult r = env->step({u[k]});
      for (int j = 0; j < 3; ++j) CHECK(close(r.observation[size_t(j)], want[k][j]));
      CHECK(close(r.reward, want[k][3]));
    }
    env->set_state({-3.0, 7.9});
    StepResult r = env->step({2.0});
    CHECK(r.observation[2] == 8.0);  // max speed
    CHECK(close(r.observation[0], -0.85688875336894732));
    CHECK(close(r.observation[1], -0.51550137182146416));
    CHECK(close(r.reward, -15.244999999999999));
    env->set_state({7.0, 0.0});  // the cost sees θ normalised to [-π, π)
    CHECK(close(env->step({0.0}).reward, -(7.0 - 2 * std::numbers::pi) * (7.0 - 2 * std::numbers::pi)));
  }

  TEST_CASE("pendulum: reset θ ~ U(-π, π), θ̇ ~ U(-1, 1); 200-step limit") {
    auto env = make_environment("pendulum");
    for (uint64_t s = 0; s < 200; ++s) {
      const auto o = env->reset(s);
      CHECK(close(o[0] * o[0] + o[1] * o[1], 1.0, 1e-12));
      CHECK(std::abs(o[2]) <= 1.0);
    }
    CHECK(env->reset(4) == env->reset(4));
    env->reset(4);
    int64_t n = 0;
    StepResult r;
    do {
      r = env->step({0.0});
      ++n;
    } while (!r.truncated);
    CHECK(n == 200);
    CHECK_FALSE(r.terminated);
  }

  TEST_CASE("unknown environments are config errors listing the known ones") {
    CHECK_THROWS_WITH_AS(make_environment("mountaincar"), doctest::Contains("known: cartpole, gridmaze, pendulum, pointmaze_medium"), ConfigError);
  }
}
