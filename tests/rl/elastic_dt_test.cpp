// Elastic DT (`model.elastic.enabled`; Wu et al. 2023) in f64: the (s, R̂, a)
// token order, causality of the action (return token) and of R̃ (state token),
// the return bins, the expectile loss against a hand computation, and the
// history-length search on a constructed policy.
#include <doctest/doctest.h>

#include <cmath>

#include "rl_fixture.h"
#include "weft/autograd/grad_mode.h"
#include "weft/ops/ops.h"
#include "weft/rl/elastic_search.h"
#include "weft/rl/rollout.h"
#include "weft/rl/trajectory_window.h"

using namespace weft;
using namespace weft::rltest;

namespace {

const char* kElastic = ", elastic: { enabled: true, num_bins: 20 }";

// K real steps with distinct values; the returns-to-go spread inside the
// data's range so that each falls in its own bin.
Batch window(const TrajectorySpec& spec, int64_t K, uint64_t salt = 0) {
  const double lo = spec.rtg_min, hi = spec.rtg_max;
  return distinct_window(
      spec, K, salt, [&](int64_t t) { return lo + (hi - lo) * (0.95 - 0.1 * double(t)); }, 2);
}

// A policy whose R̃ depends only on how many real steps its window holds:
// f(L) = −(L − 4.2)²; its actions record the window length and the last RTG.
class ConstructedPolicy : public SequencePolicy {
 public:
  explicit ConstructedPolicy(TrajectorySpec spec) : spec_(std::move(spec)) {}
  static double f(int64_t L) { return -(double(L) - 4.2) * (double(L) - 4.2); }
  int64_t search_stride() const override { return 2; }
  Tensor estimate_returns(const Batch& b) override {
    const int64_t B = b.at("mask").size(0), K = b.at("mask").size(1);
    const std::vector<double> m = values(b.at("mask"));
    std::vector<double> out(size_t(B * K));
    for (int64_t r = 0; r < B; ++r) {
      int64_t L = 0;
      for (int64_t k = 0; k < K; ++k) L += m[size_t(r * K + k)] != 0;
      for (int64_t k = 0; k < K; ++k) out[size_t(r * K + k)] = f(L);
    }
    return Tensor::from_vector(out, {B, K});
  }
  Tensor predict_actions(const Batch& b) override {
    const int64_t B = b.at("mask").size(0), K = b.at("mask").size(1);
    const std::vector<double> m = values(b.at("mask")), rtg = values(b.at("returns_to_go"));
    for (int64_t r = 0; r < B; ++r) {
      int64_t L = 0;
      for (int64_t k = 0; k < K; ++k) L += m[size_t(r * K + k)] != 0;
      seen_lengths.push_back(L);
      seen_rtg.push_back(rtg[size_t(r * K + K - 1)]);
    }
    std::vector<double> logits(size_t(B * K * 4), 0.0);
    for (int64_t r = 0; r < B; ++r) logits[size_t((r * K + K - 1) * 4 + 2)] = 1.0;  // always "down"
    return Tensor::from_vector(logits, {B, K, 4});
  }
  const TrajectorySpec& trajectory_spec() const override { return spec_; }
  std::vector<int64_t> seen_lengths;
  std::vector<double> seen_rtg;

 private:
  TrajectorySpec spec_;
};

}  // namespace

TEST_SUITE("rl_elastic_dt") {
  TEST_CASE("token order (s, R, a): 3t, 3t+1, 3t+2 hold s, R, a of step t; the timestep reaches all three") {
    RLScratch s("edt_layout");
    const Recipe r = s.recipe(s.collect("pendulum", "random", 3), kElastic);
    auto data = build_dataset(r.view().at("data"));
    auto m = dt_f64(r, *data);
    NoGradGuard ng;
    const TrajectorySpec& spec = m->trajectory_spec();
    REQUIRE(spec.rtg_max > spec.rtg_min);
    const int64_t K = 8, d = 16, t = 3;
    Batch b = window(spec, K);
    const std::vector<double> base = values(m->embed(b));
    struct Case {
      const char* name;
      int64_t index;
      double value;
      std::vector<int64_t> tokens;
    };
    const double other_bin = spec.rtg_min + 0.02 * (spec.rtg_max - spec.rtg_min);
    for (const Case& c :
         {Case{"states", t * spec.state_dim + 1, 0.77, {3 * t}}, Case{"returns_to_go", t, other_bin, {3 * t + 1}},
          Case{"actions", t * spec.act_dim, 0.77, {3 * t + 2}},
          Case{"timesteps", t, 40.0, {3 * t, 3 * t + 1, 3 * t + 2}}}) {
      INFO(c.name);
      Batch p = b;
      poke(p, c.name, c.index, c.value);
      const std::vector<double> got = values(m->embed(p));
      for (int64_t tok = 0; tok < 3 * K; ++tok) {
        INFO("token " << tok);
        const bool should_change = std::find(c.tokens.begin(), c.tokens.end(), tok) != c.tokens.end();
        const double diff = max_diff(base, got, size_t(tok * d), size_t((tok + 1) * d));
        if (should_change)
          CHECK(diff > 1e-6);
        else
          CHECK(diff == 0.0);
      }
    }
  }

  TEST_CASE("causality: the action of step t sees s<=t, R<=t, a<t; R~ of step t sees s<=t, R<t, a<t") {
    RLScratch s("edt_causal");
    for (const char* env : {"pendulum", "gridmaze"}) {
      INFO(env);
      const Recipe r = s.recipe(s.collect(env, env == std::string("gridmaze") ? "stitch" : "random", 6), kElastic);
      auto data = build_dataset(r.view().at("data"));
      auto m = dt_f64(r, *data);
      NoGradGuard ng;
      const TrajectorySpec& spec = m->trajectory_spec();
      const int64_t K = 8, t = 4, D = spec.discrete ? spec.n_actions : spec.act_dim;
      const double other_bin = spec.rtg_min + 0.02 * (spec.rtg_max - spec.rtg_min);
      Batch b = window(spec, K);
      const std::vector<double> act = values(m->predict_actions(b)), est = values(m->estimate_returns(b));
      REQUIRE(est.size() == size_t(K));
      Batch p = b;  // a_t and everything later
      for (int64_t k = t; k < K; ++k) {
        poke(p, "actions", k * spec.act_dim, spec.discrete ? double((k + 1) % 4) : -0.9);
        if (k > t) {
          poke(p, "returns_to_go", k, other_bin);
          poke(p, "states", k * spec.state_dim, 3.0);
          poke(p, "timesteps", k, 25);
        }
      }
      CHECK(max_diff(act, values(m->predict_actions(p)), 0, size_t((t + 1) * D)) == 0.0);
      CHECK(max_diff(est, values(m->estimate_returns(p)), 0, size_t(t + 1)) == 0.0);
      CHECK(max_diff(act, values(m->predict_actions(p)), size_t((t + 1) * D), size_t(K * D)) > 1e-9);
      Batch q = p;  // R_t moves the action of step t but not R~ of step t
      poke(q, "returns_to_go", t, other_bin);
      CHECK(max_diff(act, values(m->predict_actions(q)), size_t(t * D), size_t((t + 1) * D)) > 1e-9);
      CHECK(max_diff(est, values(m->estimate_returns(q)), 0, size_t(t + 1)) == 0.0);
      Batch q2 = b;  // s_t moves both
      poke(q2, "states", t * spec.state_dim, 2.5);
      CHECK(max_diff(act, values(m->predict_actions(q2)), size_t(t * D), size_t((t + 1) * D)) > 1e-9);
      CHECK(max_diff(est, values(m->estimate_returns(q2)), size_t(t), size_t(t + 1)) > 1e-9);
    }
  }

  TEST_CASE("return bins: num_bins equal bins over the data's RTG range, fed as 2b/(n-1) - 1") {
    RLScratch s("edt_bins");
    const Recipe r = s.recipe(s.collect("gridmaze", "stitch", 6), kElastic);  // 20 bins
    auto data = build_dataset(r.view().at("data"));
    auto m = dt_f64(r, *data);
    const TrajectorySpec& spec = m->trajectory_spec();
    CHECK(spec.rtg_min == 0.0);
    CHECK(spec.rtg_max == doctest::Approx(0.1).epsilon(1e-12));  // return 1, return_scale 10
    const auto got = m->return_bins({-5.0, 0.0, 0.0049, 0.0051, 0.05, 0.0999, 0.1, 7.0});
    const std::vector<double> want = {-1.0, -1.0, -1.0, -1.0 + 2.0 / 19, -1.0 + 20.0 / 19, 1.0, 1.0, 1.0};
    for (size_t i = 0; i < want.size(); ++i) {
      INFO(i);
      CHECK(std::abs(got[i] - want[i]) <= 1e-12);
    }
  }

  TEST_CASE("expectile loss: |tau - 1[u<0]| u^2 over real steps, by hand") {
    RLScratch s("edt_expectile");
    const Recipe r = s.recipe(s.collect("gridmaze", "stitch", 6), kElastic);
    auto data = build_dataset(r.view().at("data"));
    auto m = dt_f64(r, *data);
    NoGradGuard ng;
    for (auto& [name, p] : m->named_parameters()) {  // R~ = 0.5 everywhere
      if (name == "expectile_head.weight") p->tensor = Tensor::zeros(p->tensor.shape(), DType::f64);
      if (name == "expectile_head.bias") p->tensor = Tensor::full(p->tensor.shape(), 0.5, DType::f64);
    }
    const TrajectorySpec& spec = m->trajectory_spec();
    WindowRows w;
    for (int t = 0; t < 2; ++t) {
      std::vector<double> o(size_t(spec.state_dim), 0.0);
      o[size_t(t)] = 1;
      w.states.push_back(o);
      w.actions.push_back({2});
      w.timesteps.push_back(t);
    }
    w.rtg = {0.8, 0.3};                          // u = 0.3 and -0.2
    const Batch b = window_batch(spec, 5, {w});  // 3 padded steps, which must not count
    auto terms = m->elastic_terms(b, m->hidden(b), m->predict_actions(b));
    // (0.99 · 0.3² + 0.01 · 0.2²) / 2, with the RTGs as stored in f32.
    const double u0 = double(0.8f) - 0.5, u1 = double(0.3f) - 0.5;
    const double want = (0.99 * u0 * u0 + 0.01 * u1 * u1) / 2;
    CHECK(std::abs(want - 0.04475) < 1e-7);
    CHECK(std::abs(terms.expectile.item() - want) <= 1e-12);
    // The total is action + 0.5 expectile + 0.001 bins + 1.0 state.
    const double total = m->loss(b).item();
    CHECK(terms.state.defined());
    const double action = total - 0.5 * terms.expectile.item() - 0.001 * terms.bins.item() - terms.state.item();
    CHECK(action > 0);
    CHECK(std::isfinite(terms.bins.item()));
  }

  TEST_CASE("elastic search picks the history length of the largest estimated return") {
    TrajectorySpec spec;
    spec.env = "gridmaze";
    spec.state_dim = 17, spec.act_dim = 1, spec.n_actions = 4, spec.discrete = true;
    spec.state_mean.assign(17, 0.0), spec.state_std.assign(17, 1.0);
    spec.max_ep_len = 30;
    ConstructedPolicy p(spec);
    auto rows = [](int64_t n) {
      WindowRows w;
      for (int64_t t = 0; t < n; ++t) {
        std::vector<double> o(17, 0.0);
        o[size_t(t)] = 1;
        w.states.push_back(o);
        w.actions.push_back({0});
        w.rtg.push_back(9);
        w.timesteps.push_back(t);
      }
      return w;
    };
    // 10 steps: lengths 10, 8, 6, 4, 2 → f = −33.64, −14.44, −3.24, −0.04, −4.84: 4 wins.
    // 7 steps: 7, 5, 3, 1 → −7.84, −0.64, −1.44, −10.24: 5 wins. 1 step: only 1.
    const auto pick = elastic_search(p, 10, 2, {rows(10), rows(7), rows(1)});
    REQUIRE(pick.size() == 3);
    CHECK(pick[0].length == 4);
    CHECK(pick[1].length == 5);
    CHECK(pick[2].length == 1);
    CHECK(pick[0].estimate == ConstructedPolicy::f(4));
    CHECK(pick[1].estimate == ConstructedPolicy::f(5));
    CHECK(last_steps(rows(10), 4).timesteps.front() == 6);
    CHECK_THROWS_AS(elastic_search(p, 5, 2, {rows(6)}), ValueError);

    // In a rollout the action comes from the chosen length, with R~ as its return.
    RolloutOptions o;
    o.episodes = 1;
    o.max_steps = 8;
    std::vector<EpisodeResult> res = rollout(p, 10, o);
    CHECK(res[0].length == 8);
    const int64_t want_len[8] = {1, 2, 3, 4, 5, 4, 5, 4};  // n = 1..8 → best of n, n−2, …
    REQUIRE(p.seen_lengths.size() == 8);
    for (int i = 0; i < 8; ++i) {
      INFO("step " << i);
      CHECK(p.seen_lengths[size_t(i)] == want_len[i]);
      CHECK(std::abs(p.seen_rtg[size_t(i)] - float(ConstructedPolicy::f(want_len[i]))) <= 1e-6);
    }
  }

  TEST_CASE("elastic needs return conditioning (a recipe error)") {
    RLScratch s("edt_bad");
    const auto f = s.collect("gridmaze", "stitch", 4);
    CHECK_THROWS_AS(s.recipe(f, ", condition_on_return: false, elastic: { enabled: true }"), ConfigError);
  }
}
