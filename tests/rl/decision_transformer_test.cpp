// decision_transformer: the token layout, causality, padding invariance,
// timestep clamping and loss masking (the Decision Transformer paper), in f64.
#include <doctest/doctest.h>

#include <cmath>

#include "rl_fixture.h"
#include "weft/autograd/grad_mode.h"
#include "weft/ops/ops.h"
#include "weft/rl/trajectory_window.h"

using namespace weft;
using namespace weft::rltest;

namespace {

// A full window of K real steps with distinct values everywhere.
Batch full_window(const TrajectorySpec& spec, int64_t K, uint64_t salt = 0) {
  return distinct_window(
      spec, K, salt, [](int64_t t) { return 5.0 - 0.3 * double(t); }, 10);
}

}  // namespace

TEST_SUITE("rl_decision_transformer") {
  TEST_CASE("token layout: 3t, 3t+1, 3t+2 hold R, s, a of step t; the timestep reaches all three") {
    RLScratch s("layout");
    auto data = build_dataset(s.recipe(s.collect("pendulum", "random", 3)).view().at("data"));
    auto m = dt_f64(s.recipe(s.collect("pendulum", "random", 3)), *data);
    NoGradGuard ng;
    const TrajectorySpec& spec = m->trajectory_spec();
    const int64_t K = 8, d = 16;
    Batch b = full_window(spec, K);
    const std::vector<double> base = values(m->embed(b));
    const int64_t t = 3;
    struct Case {
      const char* name;
      int64_t index;
      std::vector<int64_t> tokens;
    };
    for (const Case& c :
         {Case{"returns_to_go", t, {3 * t}}, Case{"states", t * spec.state_dim + 1, {3 * t + 1}},
          Case{"actions", t * spec.act_dim, {3 * t + 2}}, Case{"timesteps", t, {3 * t, 3 * t + 1, 3 * t + 2}}}) {
      INFO(c.name);
      Batch p = b;
      poke(p, c.name, c.index, c.name == std::string("timesteps") ? 40.0 : 0.77);
      const std::vector<double> got = values(m->embed(p));
      for (int64_t tok = 0; tok < 3 * K; ++tok) {
        const bool should_change = std::find(c.tokens.begin(), c.tokens.end(), tok) != c.tokens.end();
        const double diff = max_diff(base, got, size_t(tok * d), size_t((tok + 1) * d));
        INFO("token " << tok);
        if (should_change)
          CHECK(diff > 1e-6);
        else
          CHECK(diff == 0.0);
      }
    }
  }

  TEST_CASE("causality: the action of step t sees R<=t, s<=t, a<t only") {
    RLScratch s("causal");
    for (const char* env : {"pendulum", "cartpole"}) {
      INFO(env);
      const Recipe r = s.recipe(s.collect(env, "random", 3));
      auto data = build_dataset(r.view().at("data"));
      auto m = dt_f64(r, *data);
      NoGradGuard ng;
      const TrajectorySpec& spec = m->trajectory_spec();
      const int64_t K = 8, t = 4, D = spec.discrete ? spec.n_actions : spec.act_dim;
      Batch b = full_window(spec, K);
      const std::vector<double> base = values(m->predict_actions(b));
      // Everything after s_t: a_t, and R, s, a of every later step.
      Batch p = b;
      for (int64_t k = t; k < K; ++k) {
        poke(p, "actions", k * spec.act_dim, spec.discrete ? double((k + 1) % 2) : -0.9);
        if (k > t) {
          poke(p, "returns_to_go", k, 99.0);
          poke(p, "states", k * spec.state_dim, 3.0);
          poke(p, "timesteps", k, 150);
        }
      }
      const std::vector<double> got = values(m->predict_actions(p));
      CHECK(max_diff(base, got, 0, size_t((t + 1) * D)) == 0.0);
      CHECK(max_diff(base, got, size_t((t + 1) * D), size_t(K * D)) > 1e-9);  // later steps do see them
      // s_t and R_t themselves do move the action of step t.
      Batch q = b;
      poke(q, "states", t * spec.state_dim, 2.5);
      CHECK(max_diff(base, values(m->predict_actions(q)), size_t(t * D), size_t((t + 1) * D)) > 1e-9);
      Batch q2 = b;
      poke(q2, "returns_to_go", t, -4.0);
      CHECK(max_diff(base, values(m->predict_actions(q2)), size_t(t * D), size_t((t + 1) * D)) > 1e-9);
    }
  }

  TEST_CASE("padding invariance: k real steps left-padded to K give the unpadded length-k actions") {
    RLScratch s("pad");
    for (const char* env : {"pendulum", "cartpole"}) {
      INFO(env);
      const Recipe r = s.recipe(s.collect(env, "random", 3));
      auto data = build_dataset(r.view().at("data"));
      auto m = dt_f64(r, *data);
      NoGradGuard ng;
      const TrajectorySpec& spec = m->trajectory_spec();
      const int64_t K = 8, k = 3, D = spec.discrete ? spec.n_actions : spec.act_dim;
      Batch full = full_window(spec, k);  // the unpadded length-k forward
      const std::vector<double> want = values(m->predict_actions(full));
      // The same k steps left-padded to K, next to a full row (a batch of 2), with
      // garbage in the padded slots: nothing of it may leak.
      Batch other = full_window(spec, K, 5);
      Batch padded;
      for (const char* name : {"states", "actions", "returns_to_go", "timesteps", "mask"}) {
        const Tensor& a = full.at(name);
        Shape pad_shape = a.shape();
        pad_shape[1] = K - k;
        Tensor filler = Tensor::full(pad_shape, std::string(name) == "mask" ? 0.0 : 3.0, a.dtype());
        padded.set(name, concat({concat({filler, a}, 1), other.at(name)}, 0));
      }
      const std::vector<double> got = values(m->predict_actions(padded));
      CHECK(max_diff(want, got, 0, 0) == 0.0);
      double worst = 0;
      for (int64_t i = 0; i < k * D; ++i) {
        const double d = std::abs(want[size_t(i)] - got[size_t((K - k) * D + i)]);
        if (!(d <= worst) && !std::isnan(worst)) worst = d;  // a NaN, once seen, stays
      }
      CHECK(worst <= 1e-12);
      // The full second row equals its own forward.
      const std::vector<double> alone = values(m->predict_actions(other));
      CHECK(max_diff(alone, std::vector<double>(got.begin() + K * D, got.end()), 0, size_t(K * D)) <= 1e-12);
    }
  }

  TEST_CASE("timesteps past max_ep_len reuse the last row of the table") {
    RLScratch s("clamp");
    const Recipe r = s.recipe(s.collect("pendulum", "random", 3));  // max_ep_len 200
    auto data = build_dataset(r.view().at("data"));
    auto m = dt_f64(r, *data);
    NoGradGuard ng;
    Batch b = full_window(m->trajectory_spec(), 8);
    Batch at_limit = b, beyond = b, below = b;
    poke(at_limit, "timesteps", 7, 199);
    poke(beyond, "timesteps", 7, 5000);
    poke(below, "timesteps", 7, 198);
    const auto e1 = values(m->embed(at_limit)), e2 = values(m->embed(beyond)), e3 = values(m->embed(below));
    CHECK(max_diff(e1, e2, 0, e1.size()) == 0.0);
    CHECK(max_diff(e1, e3, 0, e1.size()) > 1e-6);
  }

  TEST_CASE("the loss covers real steps only") {
    RLScratch s("lossmask");
    for (const char* env : {"pendulum", "cartpole"}) {
      INFO(env);
      const Recipe r = s.recipe(s.collect(env, "random", 3));
      auto data = build_dataset(r.view().at("data"));
      auto m = dt_f64(r, *data);
      NoGradGuard ng;
      const TrajectorySpec& spec = m->trajectory_spec();
      const int64_t K = 8, k = 5;
      Batch ref = full_window(spec, k);
      // Build a left-padded batch of the same k steps through window_batch.
      Batch full = full_window(spec, K);
      Batch padded = full;
      for (const char* name : {"states", "actions", "returns_to_go", "timesteps"}) {
        const Tensor& a = ref.at(name);
        Shape ps = a.shape();
        ps[1] = K - k;
        padded.set(name, concat({Tensor::zeros(ps, a.dtype()), a}, 1));
      }
      padded.set("mask", concat({Tensor::zeros({1, K - k}), Tensor::ones({1, k})}, 1));
      const double l_ref = m->loss(ref).item(), l_pad = m->loss(padded).item();
      CHECK(std::abs(l_ref - l_pad) <= 1e-12);
      Batch changed = padded;
      poke(changed, "actions", 0, spec.discrete ? 1.0 : 0.9);  // a padded step's target
      CHECK(m->loss(changed).item() == l_pad);
      Batch real_changed = padded;
      poke(real_changed, "actions", (K - 1) * spec.act_dim,
           spec.discrete ? double(1 - int64_t(values(padded.at("actions"))[size_t(K - 1)])) : 0.9);
      CHECK(m->loss(real_changed).item() != l_pad);
      if (!spec.discrete) {  // MSE over real steps and every action dim
        const auto pred = values(m->predict_actions(ref)), act = values(ref.at("actions"));
        double mse = 0;
        for (size_t i = 0; i < pred.size(); ++i) mse += (pred[i] - act[i]) * (pred[i] - act[i]);
        mse /= double(pred.size());
        CHECK(std::abs(mse - l_ref) <= 1e-12);
      }
    }
  }

  TEST_CASE("behaviour cloning ignores the return input") {
    RLScratch s("bc");
    const Recipe r = s.recipe(s.collect("pendulum", "random", 3), ", condition_on_return: false");
    auto data = build_dataset(r.view().at("data"));
    auto m = dt_f64(r, *data);
    NoGradGuard ng;
    Batch b = full_window(m->trajectory_spec(), 8), p = b;
    for (int64_t t = 0; t < 8; ++t) poke(p, "returns_to_go", t, 50.0 + double(t));
    const auto x = values(m->predict_actions(b)), y = values(m->predict_actions(p));
    CHECK(max_diff(x, y, 0, x.size()) == 0.0);
  }
}
