#include "weft/rl/trajectory_window.h"

#include <algorithm>

#include "weft/core/error.h"

namespace weft {

nlohmann::json TrajectorySpec::to_json() const {
  return {{"env", env},
          {"state_dim", state_dim},
          {"act_dim", act_dim},
          {"n_actions", n_actions},
          {"discrete", discrete},
          {"state_mean", state_mean},
          {"state_std", state_std},
          {"action_low", action_low},
          {"action_high", action_high},
          {"return_scale", return_scale},
          {"max_ep_len", max_ep_len},
          {"ref_random_return", ref_random_return},
          {"ref_expert_return", ref_expert_return},
          {"return_max", return_max},
          {"return_mean", return_mean},
          {"rtg_min", rtg_min},
          {"rtg_max", rtg_max}};
}

TrajectorySpec TrajectorySpec::from_json(const nlohmann::json& j, const std::string& who) {
  for (const char* k : {"env", "state_dim", "act_dim", "n_actions", "discrete", "state_mean", "state_std",
                        "return_scale", "max_ep_len", "ref_random_return", "ref_expert_return"})
    if (!j.is_object() || !j.contains(k))
      throw ConfigError(who + " needs trajectory data (data.type: trajectories): the data description has no '" +
                        std::string(k) + "'");
  TrajectorySpec s;
  s.env = j["env"].get<std::string>();
  s.state_dim = j["state_dim"].get<int64_t>();
  s.act_dim = j["act_dim"].get<int64_t>();
  s.n_actions = j["n_actions"].get<int64_t>();
  s.discrete = j["discrete"].get<bool>();
  s.state_mean = j["state_mean"].get<std::vector<double>>();
  s.state_std = j["state_std"].get<std::vector<double>>();
  s.action_low = j.value("action_low", std::vector<double>{});
  s.action_high = j.value("action_high", std::vector<double>{});
  s.return_scale = j["return_scale"].get<double>();
  s.max_ep_len = j["max_ep_len"].get<int64_t>();
  s.ref_random_return = j["ref_random_return"].get<double>();
  s.ref_expert_return = j["ref_expert_return"].get<double>();
  s.return_max = j.value("return_max", 0.0);
  s.return_mean = j.value("return_mean", 0.0);
  s.rtg_min = j.value("rtg_min", 0.0);
  s.rtg_max = j.value("rtg_max", s.return_max / s.return_scale);
  return s;
}

std::vector<double> action_from_unit(const TrajectorySpec& spec, const std::vector<double>& unit) {
  std::vector<double> a(unit.size());
  for (size_t j = 0; j < unit.size(); ++j) {
    const double lo = spec.action_low[j], hi = spec.action_high[j];
    a[j] = std::clamp(lo + (unit[j] + 1) * 0.5 * (hi - lo), lo, hi);
  }
  return a;
}

Batch window_batch(const TrajectorySpec& spec, int64_t K, const std::vector<WindowRows>& rows) {
  const int64_t B = int64_t(rows.size()), S = spec.state_dim, A = spec.act_dim;
  std::vector<float> st(size_t(B * K * S), 0.f), ac(size_t(B * K * A), spec.discrete ? 0.f : -10.f),
      rt(size_t(B * K), 0.f), mk(size_t(B * K), 0.f);
  std::vector<int64_t> ts(size_t(B * K), 0);
  int64_t units = 0;
  for (int64_t b = 0; b < B; ++b) {
    const WindowRows& w = rows[size_t(b)];
    const int64_t n = int64_t(w.rtg.size());
    WEFT_CHECK(n >= 1 && n <= K && int64_t(w.states.size()) == n && int64_t(w.actions.size()) == n &&
                   int64_t(w.timesteps.size()) == n,
               ValueError, "window_batch: a window holds ", n, " steps, at most ", K, " with equal fields");
    const int64_t pad = K - n;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = b * K + pad + i;
      for (int64_t j = 0; j < S; ++j)
        st[size_t(k * S + j)] = float((w.states[size_t(i)][size_t(j)] - spec.state_mean[size_t(j)]) /
                                      spec.state_std[size_t(j)]);
      for (int64_t j = 0; j < A; ++j) {
        double a = w.actions[size_t(i)][size_t(j)];
        if (!spec.discrete) {
          const double lo = spec.action_low[size_t(j)], hi = spec.action_high[size_t(j)];
          a = (2 * a - lo - hi) / (hi - lo);
        }
        ac[size_t(k * A + j)] = float(a);
      }
      rt[size_t(k)] = float(w.rtg[size_t(i)]);
      ts[size_t(k)] = std::clamp<int64_t>(w.timesteps[size_t(i)], 0, spec.max_ep_len - 1);
      mk[size_t(k)] = 1.f;
    }
    units += n;
  }
  Batch out;
  out.set("states", Tensor::from_vector(st, {B, K, S}))
      .set("actions", Tensor::from_vector(ac, {B, K, A}))
      .set("returns_to_go", Tensor::from_vector(rt, {B, K, 1}))
      .set("timesteps", Tensor::from_vector(ts, {B, K}))
      .set("mask", Tensor::from_vector(mk, {B, K}));
  out.units = units;
  return out;
}

}  // namespace weft
