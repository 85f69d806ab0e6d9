// gridmaze against moves worked out by hand on its 11 x 11 map (one-hot over
// the 17 free cells in row-major order: S = 0, the north arm 1..3, A = 4, the
// west arm 5..7, W = 8, the east arm 9..11, G = 12, the south arm 13..15,
// D = 16), and the `stitch` dataset's half-path property.
#include <doctest/doctest.h>

#include "weft/core/error.h"
#include "weft/rl/collect.h"
#include "weft/rl/environment.h"

using namespace weft;

namespace {
int64_t cell_of(const std::vector<double>& o) {
  int64_t at = -1, ones = 0;
  for (size_t i = 0; i < o.size(); ++i)
    if (o[i] == 1.0)
      at = int64_t(i), ++ones;
    else
      REQUIRE(o[i] == 0.0);
  REQUIRE(ones == 1);
  return at;
}
}  // namespace

TEST_SUITE("rl_env") {
  TEST_CASE("gridmaze: walls stop moves, four downs reach the junction, four rights the goal") {
    auto env = make_environment("gridmaze");
    CHECK(env->observation_space().size == 17);
    CHECK(env->action_space().n == 4);
    CHECK(cell_of(env->reset(7)) == 0);
    StepResult r = env->step({0});  // up from S: a wall
    CHECK(cell_of(r.observation) == 0);
    CHECK(r.reward == 0.0);
    CHECK(cell_of(env->step({3}).observation) == 0);  // left: a wall
    const int64_t down[4] = {1, 2, 3, 8};
    for (int k = 0; k < 4; ++k) CHECK(cell_of(env->step({2}).observation) == down[k]);
    CHECK(cell_of(env->step({2}).observation) == 13);  // on into the south arm
    CHECK(cell_of(env->step({0}).observation) == 8);
    for (int64_t k = 9; k <= 11; ++k) {
      r = env->step({1});
      CHECK(cell_of(r.observation) == k);
      CHECK_FALSE(r.terminated);
    }
    r = env->step({1});
    CHECK(cell_of(r.observation) == 12);
    CHECK(r.reward == 1.0);
    CHECK(r.terminated);
    CHECK_FALSE(r.truncated);
    CHECK_THROWS_AS(env->step({4}), ValueError);
  }

  TEST_CASE("gridmaze: the 30-step limit, set_state, the expert's 8-step path") {
    auto env = make_environment("gridmaze");
    env->reset(0);
    StepResult r;
    for (int k = 1; k <= 30; ++k) {
      r = env->step({0});
      CHECK(r.truncated == (k == 30));
    }
    env->reset(0);
    env->set_state({5, 1});
    CHECK(cell_of(env->observe()) == 4);
    CHECK_THROWS_AS(env->set_state({0, 0}), ValueError);
    std::vector<double> o = env->reset(0);
    int n = 0;
    do {
      r = env->step(env->expert_action(o));
      o = r.observation;
      ++n;
    } while (!r.terminated && !r.truncated);
    CHECK(n == 8);
    CHECK(r.terminated);
  }

  TEST_CASE("gridmaze stitch data: every trajectory covers half of the path") {
    const OfflineData d = collect_dataset({"gridmaze", "stitch", 40, 3});
    int from_s = 0, from_a = 0;
    for (const Trajectory& t : d.trajectories) {
      const int64_t first = cell_of(t.observations[0]);
      bool saw_junction = false;
      for (auto& o : t.observations) saw_junction |= cell_of(o) == 8;
      CHECK(saw_junction);
      if (first == 0) {
        ++from_s;
        CHECK(t.ret() == 0.0);  // never reaches G
      } else {
        CHECK(first == 4);
        ++from_a;
      }
    }
    CHECK(from_s == 20);
    CHECK(from_a == 20);
    int reached = 0;
    for (size_t i = 1; i < d.trajectories.size(); i += 2) reached += d.trajectories[i].ret() == 1.0;
    CHECK(reached >= 15);
    CHECK(std::stod(d.metadata.at("ref_expert_return")) == 1.0);
    CHECK_THROWS_AS(collect_dataset({"cartpole", "stitch", 2, 1}), ConfigError);
  }
}
