// pointmaze against steps worked out by hand from its equations (dt 0.1, gain
// 10, damping 1, vmax 5: v ← clip(v + dt(10a − v)), p ← p + dt·v, x then y,
// a move into a wall cancelled and its velocity zeroed), its rewards, and the
// waypoint expert reaching the goal.
#include <doctest/doctest.h>

#include <cmath>

#include "weft/core/error.h"
#include "weft/rl/collect.h"
#include "weft/rl/environment.h"

using namespace weft;

namespace {
bool close(double a, double b, double tol = 1e-12) {
  return std::abs(a - b) <= tol;
}
}  // namespace

TEST_SUITE("rl_env") {
  TEST_CASE("pointmaze: two Euler steps, a wall, the velocity limit, sparse and dense rewards") {
    auto env = make_environment("pointmaze_umaze");
    env->reset(1);
    // (tests/core/compiler_test.cpp: {1.5, 1.5, 0, 0} is the constant GCC 12 with AVX-512 miscompiled.)
    env->set_state({1.5, 1.4, 0, 0});
    StepResult r = env->step({1, 0.5});
    CHECK(close(r.observation[2], 1.0));
    CHECK(close(r.observation[3], 0.5));
    CHECK(close(r.observation[0], 1.6));
    CHECK(close(r.observation[1], 1.45));
    CHECK(r.reward == 0.0);
    r = env->step({1, 0.5});
    CHECK(close(r.observation[2], 1.9));
    CHECK(close(r.observation[3], 0.95));
    CHECK(close(r.observation[0], 1.79));
    CHECK(close(r.observation[1], 1.545));
    CHECK_FALSE(r.terminated);
    // Up into the top wall (row 0): y stays, vy is zeroed; x moves on.
    env->set_state({1.5, 1.05, 0.5, 0});
    r = env->step({0, -1});
    CHECK(close(r.observation[1], 1.05));
    CHECK(r.observation[3] == 0.0);
    CHECK(close(r.observation[2], 0.5 + 0.1 * (0 - 0.5)));
    CHECK(close(r.observation[0], 1.5 + 0.1 * 0.45));
    // The velocity limit: 4.9 + 0.1 (10 − 4.9) = 5.41 → 5.
    env->set_state({1.2, 1.5, 4.9, 0});
    CHECK(env->step({1, 0}).observation[2] == 5.0);
    // At the goal (1.5, 3.5): reward 1; the dense variant exp(−distance).
    env->set_state({1.5, 3.5, 0, 0});
    CHECK(env->step({0, 0}).reward == 1.0);
    auto dense = make_environment("pointmaze_umaze_dense");
    dense->reset(1);
    dense->set_state({1.5, 1.4, 0, 0});
    CHECK(close(dense->step({1, 0.5}).reward, std::exp(-std::hypot(0.1, 2.05))));
    CHECK_THROWS_AS(env->set_state({0.5, 0.5, 0, 0}), ValueError);  // a wall cell
    CHECK_THROWS_AS(env->step({0.5}), ValueError);
  }

  TEST_CASE("pointmaze: reset near the start, the time limit, the waypoint expert reaches the goal") {
    for (const char* name : {"pointmaze_umaze", "pointmaze_medium"}) {
      INFO(name);
      auto env = make_environment(name);
      const auto a = env->reset(4), b = env->reset(4);
      CHECK(a == b);
      CHECK(std::abs(a[0] - 1.5) <= 0.1);
      CHECK(std::abs(a[1] - 1.5) <= 0.1);
      CHECK(a[2] == 0.0);
      const Trajectory t = run_episode(*env, 0.0, 4, 0);
      CHECK(int64_t(t.rewards.size()) == env->max_episode_steps());
      CHECK_FALSE(t.terminated);
      // The goal is reached and held: most of the steps after arrival score.
      CHECK(t.ret() > 0.5 * double(env->max_episode_steps()));
    }
  }
}
