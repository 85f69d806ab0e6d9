#include "weft/rl/collect.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "weft/core/error.h"
#include "weft/core/rng.h"

namespace weft {
namespace {

// Per-episode random-action probability of each behaviour policy, episode i of n.
using NoiseRule = std::function<double(const Environment&, int64_t i, int64_t n)>;

const std::map<std::string, NoiseRule>& noise_rules() {
  static const std::map<std::string, NoiseRule> rules = {
      {"random", [](const Environment&, int64_t, int64_t) { return 1.0; }},
      {"expert", [](const Environment&, int64_t, int64_t) { return 0.0; }},
      {"medium", [](const Environment& e, int64_t, int64_t) { return e.medium_noise(); }},
      {"medium-replay",
       [](const Environment& e, int64_t i, int64_t n) {
         const double f = n > 1 ? double(i) / double(n - 1) : 1.0;
         return 1.0 - (1.0 - e.medium_noise()) * f;
       }},
      {"medium-expert",
       [](const Environment& e, int64_t i, int64_t n) { return i < n / 2 ? e.medium_noise() : 0.0; }},
  };
  return rules;
}

std::map<std::string, BehaviourPolicy>& extra_policies() {
  static std::map<std::string, BehaviourPolicy> p;
  return p;
}

uint64_t mix(uint64_t a, uint64_t b) {
  const Philox4x32 r = philox4x32(b, 0, a ^ 0xD7A5E7ull);
  return (uint64_t(r.v[1]) << 32) | r.v[0];
}

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

}  // namespace

bool register_behaviour_policy(const std::string& name, BehaviourPolicy policy) {
  if (noise_rules().count(name) || extra_policies().count(name))
    throw ConfigError("behaviour policy '" + name + "' is registered twice");
  extra_policies()[name] = std::move(policy);
  return true;
}

std::vector<std::string> behaviour_policies() {
  std::vector<std::string> n;
  for (auto& [k, v] : noise_rules()) n.push_back(k);
  for (auto& [k, v] : extra_policies()) n.push_back(k);
  return n;
}

double Trajectory::ret() const {
  double s = 0;
  for (double r : rewards) s += r;
  return s;
}

Trajectory run_episode(Environment& env, double noise, uint64_t reset_seed, uint64_t noise_seed,
                       const Controller& controller, const std::vector<double>& start) {
  const Space as = env.action_space();
  Trajectory t;
  std::vector<double> obs = env.reset(reset_seed);
  if (!start.empty()) {
    env.set_state(start);
    obs = env.observe();
  }
  for (uint64_t k = 0;; ++k) {
    std::vector<double> a;
    if (noise > 0 && philox_uniform({noise_seed, 0}, 3 * k) < noise) {
      const double u = philox_uniform({noise_seed, 0}, 3 * k + 1);
      if (as.discrete) {
        a = {std::min(std::floor(u * double(as.n)), double(as.n - 1))};
      } else {
        for (int64_t j = 0; j < as.size; ++j) {
          const double v = philox_uniform({noise_seed, 1 + uint64_t(j)}, k);
          a.push_back(as.low[size_t(j)] + (as.high[size_t(j)] - as.low[size_t(j)]) * v);
        }
      }
    } else {
      a = controller ? controller(obs) : env.expert_action(obs);
    }
    StepResult r = env.step(a);
    t.observations.push_back(obs);
    t.actions.push_back(a);
    t.rewards.push_back(r.reward);
    obs = r.observation;
    if (r.terminated || r.truncated) {
      t.terminated = r.terminated;
      return t;
    }
  }
}

std::pair<double, double> reference_returns(const std::string& name) {
  auto env = make_environment(name);
  double rnd = 0, exp = 0;
  const int n = 20;
  for (int i = 0; i < n; ++i) {
    rnd += run_episode(*env, 1.0, mix(0x12EF, uint64_t(i)), mix(0x12F0, uint64_t(i))).ret();
    exp += run_episode(*env, 0.0, mix(0x12EF, uint64_t(i)), 0).ret();
  }
  return {rnd / n, exp / n};
}

OfflineData collect_dataset(const CollectOptions& o) {
  auto env = make_environment(o.env);
  auto it = noise_rules().find(o.policy);
  auto extra = extra_policies().find(o.policy);
  if (it == noise_rules().end() && extra == extra_policies().end()) {
    std::string known;
    for (auto& n : behaviour_policies()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("unknown behaviour policy '" + o.policy + "' (known: " + known + ")");
  }
  WEFT_CHECK(o.episodes >= 1, ConfigError, "--episodes must be at least 1, got ", o.episodes);
  OfflineData d;
  d.env = o.env;
  std::vector<double> rets;
  for (int64_t i = 0; i < o.episodes; ++i) {
    const uint64_t reset_seed = mix(o.seed, uint64_t(2 * i)), noise_seed = mix(o.seed, uint64_t(2 * i + 1));
    if (extra != extra_policies().end())
      d.trajectories.push_back(extra->second(*env, o.env, i, o.episodes, reset_seed, noise_seed));
    else
      d.trajectories.push_back(run_episode(*env, it->second(*env, i, o.episodes), reset_seed, noise_seed));
    rets.push_back(d.trajectories.back().ret());
  }
  double mean = 0, var = 0;
  for (double r : rets) mean += r / double(rets.size());
  for (double r : rets) var += (r - mean) * (r - mean) / double(rets.size());
  const auto [ref_random, ref_expert] = reference_returns(o.env);
  d.metadata = {{"format", "weft-trajectories-1"},
                {"env", o.env},
                {"policy", o.policy},
                {"seed", std::to_string(o.seed)},
                {"episodes", std::to_string(o.episodes)},
                {"return_mean", num(mean)},
                {"return_std", num(std::sqrt(var))},
                {"return_min", num(*std::min_element(rets.begin(), rets.end()))},
                {"return_max", num(*std::max_element(rets.begin(), rets.end()))},
                {"ref_random_return", num(ref_random)},
                {"ref_expert_return", num(ref_expert)}};
  return d;
}

void write_offline_data(const std::filesystem::path& file, const OfflineData& d) {
  int64_t n = 0;
  for (auto& t : d.trajectories) n += int64_t(t.rewards.size());
  WEFT_CHECK(n > 0, DataError, file.string(), ": no steps to write");
  const int64_t so = int64_t(d.trajectories[0].observations[0].size());
  const int64_t sa = int64_t(d.trajectories[0].actions[0].size());
  std::vector<float> obs, act, rew, term, tout;
  for (auto& t : d.trajectories)
    for (size_t k = 0; k < t.rewards.size(); ++k) {
      for (double v : t.observations[k]) obs.push_back(float(v));
      for (double v : t.actions[k]) act.push_back(float(v));
      rew.push_back(float(t.rewards[k]));
      const bool last = k + 1 == t.rewards.size();
      term.push_back(last && t.terminated ? 1.f : 0.f);
      tout.push_back(last && !t.terminated ? 1.f : 0.f);
    }
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::map<std::string, std::string> meta = d.metadata;
  meta["steps"] = std::to_string(n);
  write_safetensors(file,
                    {{"observations", Tensor::from_vector(obs, {n, so})},
                     {"actions", Tensor::from_vector(act, {n, sa})},
                     {"rewards", Tensor::from_vector(rew, {n})},
                     {"terminals", Tensor::from_vector(term, {n})},
                     {"timeouts", Tensor::from_vector(tout, {n})}},
                    meta);
}

OfflineData read_offline_data(const std::filesystem::path& file) {
  const std::string f = file.string();
  if (!std::filesystem::exists(file)) throw DataError(f + ": no such dataset file (make one with `weft dataset collect`)");
  NamedTensors ts;
  std::map<std::string, std::string> meta;
  try {
    ts = read_safetensors(file);
    meta = read_safetensors_metadata(file);
  } catch (const CheckpointError& e) {
    throw DataError(std::string("not a trajectory dataset: ") + e.what());
  }
  std::map<std::string, Tensor> by;
  for (auto& [k, v] : ts) by[k] = v;
  for (const char* k : {"observations", "actions", "rewards", "terminals", "timeouts"})
    WEFT_CHECK(by.count(k), DataError, f, ": missing the key '", k, "' (a trajectory dataset holds observations, "
               "actions, rewards, terminals, timeouts)");
  WEFT_CHECK(meta.count("env"), DataError, f, ": metadata has no 'env'");
  OfflineData d;
  d.env = meta["env"];
  d.metadata = meta;
  if (!EnvironmentRegistry::instance().contains(d.env)) {
    std::string known;
    for (auto& [n, e] : EnvironmentRegistry::instance().entries()) known += (known.empty() ? "" : ", ") + n;
    throw DataError(f + ": unknown environment '" + d.env + "' (known: " + known + ")");
  }
  const Tensor &o = by["observations"], &a = by["actions"], &r = by["rewards"], &te = by["terminals"],
               &to = by["timeouts"];
  WEFT_CHECK(o.dim() == 2 && a.dim() == 2 && r.dim() == 1 && te.dim() == 1 && to.dim() == 1, DataError, f,
             ": observations and actions must be [N, d], rewards, terminals and timeouts [N]");
  const int64_t n = r.size(0);
  WEFT_CHECK(o.size(0) == n && a.size(0) == n && te.size(0) == n && to.size(0) == n && n > 0, DataError, f,
             ": the keys hold different numbers of steps (rewards has ", n, ")");
  const std::vector<double> vo = o.to_vector<double>(), va = a.to_vector<double>(), vr = r.to_vector<double>(),
                            vt = te.to_vector<double>(), vu = to.to_vector<double>();
  const double *po = vo.data(), *pa = va.data(), *pr = vr.data(), *pt = vt.data(), *pu = vu.data();
  for (int64_t i = 0; i < o.numel(); ++i) WEFT_CHECK(std::isfinite(po[i]), DataError, f, ": observations hold a non-finite value at row ", i / o.size(1));
  for (int64_t i = 0; i < a.numel(); ++i) WEFT_CHECK(std::isfinite(pa[i]), DataError, f, ": actions hold a non-finite value at row ", i / a.size(1));
  for (int64_t i = 0; i < n; ++i) WEFT_CHECK(std::isfinite(pr[i]), DataError, f, ": rewards hold a non-finite value at step ", i);
  const int64_t so = o.size(1), sa = a.size(1);
  Trajectory cur;
  for (int64_t i = 0; i < n; ++i) {
    cur.observations.emplace_back(po + i * so, po + (i + 1) * so);
    cur.actions.emplace_back(pa + i * sa, pa + (i + 1) * sa);
    cur.rewards.push_back(pr[i]);
    if (pt[i] != 0 || pu[i] != 0 || i + 1 == n) {  // D4RL: an unfinished last episode still counts
      cur.terminated = pt[i] != 0;
      d.trajectories.push_back(std::move(cur));
      cur = Trajectory();
    }
  }
  return d;
}

double metadata_number(const OfflineData& d, const std::string& key, const std::string& file) {
  auto it = d.metadata.find(key);
  WEFT_CHECK(it != d.metadata.end(), DataError, file, ": metadata has no '", key, "'");
  const std::string& text = it->second;
  double v = 0;
  size_t used = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;  // not a number, or out of range: reported below
  }
  WEFT_CHECK(used > 0 && used == text.size() && std::isfinite(v), DataError, file, ": metadata '", key,
             "' must be a finite number, got '", text.substr(0, 40), text.size() > 40 ? "…'" : "'");
  return v;
}

}  // namespace weft
