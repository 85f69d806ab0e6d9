// Offline RL data: collection determinism, the file's keys and metadata, the
// trajectories dataset's windows and returns-to-go, bad input, and the
// rollout's return-to-go bookkeeping.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <tuple>

#include "rl_fixture.h"
#include "weft/core/error.h"
#include "weft/rl/rollout.h"

using namespace weft;
using namespace weft::rltest;

namespace {

std::string bytes_of(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A policy that records the windows it is shown and always pushes right / full torque.
struct RecordingPolicy : SequencePolicy {
  TrajectorySpec spec;
  std::vector<Batch> seen;
  Tensor predict_actions(const Batch& b) override {
    seen.push_back(b);
    const int64_t B = b.at("mask").size(0), K = b.at("mask").size(1);
    const int64_t D = spec.discrete ? spec.n_actions : spec.act_dim;
    std::vector<float> v(size_t(B * K * D), 0.f);
    for (size_t i = 0; i < v.size(); i += size_t(D)) v[i + size_t(D) - 1] = 1.f;
    return Tensor::from_vector(v, {B, K, D});
  }
  const TrajectorySpec& trajectory_spec() const override { return spec; }
};

}  // namespace

TEST_SUITE("rl_data") {
  TEST_CASE("the same seed gives a byte-identical file; another seed does not") {
    RLScratch s("determinism");
    for (const char* policy : {"random", "medium", "expert", "medium-replay", "medium-expert"}) {
      INFO(policy);
      const fs::path a = s.dir / "a.safetensors", b = s.dir / "b.safetensors", c = s.dir / "c.safetensors";
      write_offline_data(a, collect_dataset({"pendulum", policy, 4, 7}));
      write_offline_data(b, collect_dataset({"pendulum", policy, 4, 7}));
      write_offline_data(c, collect_dataset({"pendulum", policy, 4, 8}));
      CHECK(bytes_of(a) == bytes_of(b));
      CHECK(bytes_of(a) != bytes_of(c));
    }
  }

  TEST_CASE("the file holds D4RL's keys, episode ends and the reference returns") {
    RLScratch s("keys");
    const fs::path f = s.collect("cartpole", "random", 5);
    std::map<std::string, Tensor> t;
    for (auto& [k, v] : read_safetensors(f)) t[k] = v;
    for (const char* k : {"observations", "actions", "rewards", "terminals", "timeouts"}) CHECK(t.count(k) == 1);
    const auto meta = read_safetensors_metadata(f);
    CHECK(meta.at("env") == "cartpole");
    CHECK(meta.at("policy") == "random");
    const OfflineData d = read_offline_data(f);
    REQUIRE(d.trajectories.size() == 5);
    // Random cartpole falls early: every episode ends in a terminal, each reward 1.
    double total = 0;
    for (auto& tr : d.trajectories) {
      CHECK(tr.terminated);
      total += tr.ret();
    }
    const auto term = t["terminals"].to_vector<double>();
    double n_term = 0;
    for (double v : term) n_term += v;
    CHECK(n_term == 5);
    CHECK(std::abs(std::stod(meta.at("return_mean")) - total / 5) <= 1e-9);
    const double rnd = std::stod(meta.at("ref_random_return")), exp = std::stod(meta.at("ref_expert_return"));
    CHECK(rnd > 9);
    CHECK(rnd < 60);
    CHECK(exp == 500);  // the scripted expert balances for the whole 500 steps
  }

  TEST_CASE("pendulum's expert swings up: far above random") {
    const auto [rnd, exp] = reference_returns("pendulum");
    CHECK(rnd < -900);
    CHECK(exp > -400);
  }

  TEST_CASE("windows: returns-to-go, left padding, normalised states, units = real steps") {
    RLScratch s("windows");
    const fs::path f = s.collect("pendulum", "medium", 3);
    const Recipe r = s.recipe(f);
    auto data = build_dataset(r.view().at("data"));
    const TrajectorySpec spec = TrajectorySpec::from_json(data->description(), "test");
    CHECK(spec.state_dim == 3);
    CHECK(spec.max_ep_len == 200);
    CHECK(spec.return_scale == 10);
    // The mean/std of the normalisation are the file's (every trajectory trains).
    const OfflineData od = read_offline_data(f);
    double m0 = 0;
    int64_t n = 0;
    for (auto& t : od.trajectories)
      for (auto& o : t.observations) m0 += o[0], ++n;
    CHECK(std::abs(spec.state_mean[0] - m0 / double(n)) <= 1e-9);
    auto sampler = data->train_sampler(16, 8, 3);
    for (int rep = 0; rep < 5; ++rep) {
      Batch b = sampler->next();
      const auto mask = b.at("mask").to_vector<double>(), rtg = b.at("returns_to_go").to_vector<double>();
      const auto ts = b.at("timesteps").to_vector<int64_t>();
      const auto act = b.at("actions").to_vector<double>();
      double real = 0;
      for (int64_t row = 0; row < 16; ++row) {
        bool seen_real = false;
        for (int64_t k = 0; k < 8; ++k) {
          const size_t i = size_t(row * 8 + k);
          if (mask[i] == 0) {
            CHECK_FALSE(seen_real);  // left padding only
            CHECK(rtg[i] == 0);
            CHECK(ts[i] == 0);
            CHECK(act[i] == -10);
          } else {
            seen_real = true;
            real += 1;
            if (k > 0 && mask[i - 1] != 0) CHECK(ts[i] == ts[i - 1] + 1);
          }
        }
        CHECK(seen_real);
      }
      CHECK(b.units == int64_t(real));
    }
    // Determinism of the sampler: the same seed and state give the same batch.
    auto s1 = data->train_sampler(4, 8, 9), s2 = data->train_sampler(4, 8, 9);
    s1->next();
    s2->load_state(s1->state());
    CHECK(s1->next().at("states").to_vector<double>() == s2->next().at("states").to_vector<double>());
    // RTG of the first step of a trajectory is its return / scale: a window
    // starting at timestep 0.
    auto big = data->train_sampler(256, 8, 1);
    Batch b = big->next();
    const auto ts = b.at("timesteps").to_vector<int64_t>();
    const auto mask = b.at("mask").to_vector<double>();
    const auto rtg = b.at("returns_to_go").to_vector<double>();
    bool found = false;
    for (int64_t row = 0; row < 256 && !found; ++row)
      for (int64_t k = 0; k < 8; ++k)
        if (mask[size_t(row * 8 + k)] != 0 && ts[size_t(row * 8 + k)] == 0) {
          bool match = false;
          for (auto& t : od.trajectories) match = match || std::abs(t.ret() / 10 - rtg[size_t(row * 8 + k)]) <= 1e-4;
          CHECK(match);
          found = true;
          break;
        }
    CHECK(found);
  }

  TEST_CASE("bad input: missing key, NaN rewards, wrong observation size, unknown env") {
    RLScratch s("bad");
    const fs::path good = s.collect("pendulum", "random", 2);
    NamedTensors t = read_safetensors(good);
    auto meta = read_safetensors_metadata(good);
    auto without = [&](const std::string& key) {
      NamedTensors out;
      for (auto& [k, v] : t)
        if (k != key) out.push_back({k, v});
      return out;
    };
    const fs::path f = s.dir / "bad.safetensors";
    write_safetensors(f, without("timeouts"), meta);
    CHECK_THROWS_WITH_AS(read_offline_data(f), doctest::Contains("missing the key 'timeouts'"), DataError);
    NamedTensors nan = t;
    for (auto& [k, v] : nan)
      if (k == "rewards") {
        v = v.clone();
        v.data<float>()[3] = std::nanf("");
      }
    write_safetensors(f, nan, meta);
    CHECK_THROWS_WITH_AS(read_offline_data(f), doctest::Contains("rewards hold a non-finite value at step 3"), DataError);
    auto meta2 = meta;
    meta2["env"] = "mountaincar";
    write_safetensors(f, t, meta2);
    CHECK_THROWS_WITH_AS(read_offline_data(f), doctest::Contains("unknown environment 'mountaincar'"), DataError);
    // A pendulum file relabelled as cartpole: its 3 observations are not cartpole's 4.
    meta2["env"] = "cartpole";
    write_safetensors(f, t, meta2);
    CHECK_THROWS_WITH_AS(build_dataset(s.recipe(f).view().at("data")), doctest::Contains("the environment 'cartpole' has 4"),
                         DataError);
    CHECK_THROWS_WITH_AS(build_dataset(s.recipe(good, "", ", state_dim: 4").view().at("data")),
                         doctest::Contains("data.state_dim is 4"), DataError);
    CHECK_THROWS_WITH_AS(build_dataset(s.recipe(good, "", ", env: cartpole").view().at("data")),
                         doctest::Contains("was collected in 'pendulum'"), DataError);
    // Metadata that is not a number (found by the trajectory fuzzer: std::stod's
    // own exception escaped), or anchors that would divide the score by zero.
    for (const auto& [key, value, says] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"ref_random_return", "abc", "'ref_random_return' must be a finite number, got 'abc'"},
             {"ref_expert_return", "1e999", "'ref_expert_return' must be a finite number"},
             {"ref_expert_return", "3x", "must be a finite number, got '3x'"},
             {"ref_expert_return", meta.at("ref_random_return"), "equals ref_random_return"}}) {
      INFO(key << " = " << value);
      auto m3 = meta;
      m3[key] = value;
      write_safetensors(f, t, m3);
      CHECK_THROWS_WITH_AS(build_dataset(s.recipe(f).view().at("data")), doctest::Contains(says.c_str()), DataError);
    }
    CHECK_THROWS_AS(collect_dataset({"nope", "random", 2, 1}), ConfigError);
    CHECK_THROWS_WITH_AS(collect_dataset({"pendulum", "great", 2, 1}), doctest::Contains("unknown behaviour policy"),
                         ConfigError);
  }

  TEST_CASE("rollout: R decreases by r / scale each step; delayed keeps it; episodes end at done") {
    RecordingPolicy p;
    p.spec.env = "pendulum";
    p.spec.state_dim = 3;
    p.spec.act_dim = 1;
    p.spec.state_mean = {0, 0, 0};
    p.spec.state_std = {1, 1, 1};
    p.spec.action_low = {-2};
    p.spec.action_high = {2};
    p.spec.return_scale = 10;
    p.spec.max_ep_len = 200;
    RolloutOptions o;
    o.target = -100;
    o.episodes = 2;
    o.seed = 3;
    o.max_steps = 12;
    const auto res = rollout(p, 4, o);
    REQUIRE(res.size() == 2);
    CHECK(res[0].length == 12);
    REQUIRE(p.seen.size() == 12);
    CHECK(p.seen[0].at("mask").to_vector<double>() == std::vector<double>{0, 0, 0, 1, 0, 0, 0, 1});
    // R̂ at step t (last real slot of the window) = target/scale − Σ_{t'<t} r_t' / scale.
    double expect = -10.0;
    double total = 0;
    for (size_t t = 0; t < 12; ++t) {
      const auto rtg = p.seen[t].at("returns_to_go").to_vector<double>();
      const auto ts = p.seen[t].at("timesteps").to_vector<int64_t>();
      CHECK(std::abs(rtg[3] - expect) <= 1e-5);
      CHECK(ts[3] == int64_t(t));
      if (t + 1 < 12) {
        // The next window's previous-step RTG is this step's (the window slides).
        const auto next = p.seen[t + 1].at("returns_to_go").to_vector<double>();
        CHECK(std::abs(next[2] - rtg[3]) <= 1e-6);
        const double r = -10.0 * (next[3] - rtg[3]);  // r_t = −scale · ΔR̂
        CHECK(r <= 0);  // pendulum rewards are costs
        total += r;
        expect = next[3];
      }
    }
    // The rollout's return is the sum of the rewards that drove R̂ down (+ the last step).
    CHECK(res[0].ret <= total + 1e-3);
    CHECK(res[0].ret >= total - 17.0);  // the last reward is at most 16.27 in magnitude
    p.seen.clear();
    o.delayed = true;
    rollout(p, 4, o);
    for (auto& b : p.seen) CHECK(std::abs(b.at("returns_to_go").to_vector<double>()[3] + 10.0) <= 1e-6);
  }
}
