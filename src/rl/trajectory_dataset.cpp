// `data.type: trajectories` — an offline RL dataset file (rl/collect.h) as
// training windows for a sequence policy (Decision Transformer, behaviour
// cloning): returns-to-go divided by `return_scale`, windows of K steps whose
// trajectory is drawn ∝ its length and whose start is uniform in it (the gym
// code's rule; windows near the end are shorter and left-padded), states
// normalised with the training split's mean and std (+1e-6; in the
// description, so checkpoints carry them). Every trajectory trains: the
// evaluator is a rollout in the environment (`rollout`), not held-out data.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "weft/core/error.h"
#include "weft/core/rng.h"
#include "weft/data/dataset.h"
#include "weft/rl/collect.h"
#include "weft/rl/trajectory_window.h"

namespace weft {
namespace {

struct Prepared {
  TrajectorySpec spec;
  std::vector<Trajectory> traj;
  std::vector<std::vector<double>> rtg;  // scaled
  std::vector<int64_t> cum;              // cumulative lengths (the ∝-length draw)
};

class TrajectorySampler : public Sampler {
 public:
  TrajectorySampler(std::shared_ptr<const Prepared> d, int64_t batch, int64_t K, uint64_t seed)
      : d_(std::move(d)), batch_(batch), K_(K), seed_(seed) {}

  Batch next() override {
    std::vector<WindowRows> rows;
    const int64_t total = d_->cum.back();
    for (int64_t b = 0; b < batch_; ++b) {
      const uint64_t i = uint64_t(cursor_ * batch_ + b);
      const int64_t pick = std::min(int64_t(philox_uniform({seed_, 0x747261ull}, 2 * i) * double(total)), total - 1);
      const size_t t = size_t(std::upper_bound(d_->cum.begin(), d_->cum.end(), pick) - d_->cum.begin());
      const Trajectory& tr = d_->traj[t];
      const int64_t len = int64_t(tr.rewards.size());
      const int64_t start =
          std::min(int64_t(philox_uniform({seed_, 0x747261ull}, 2 * i + 1) * double(len)), len - 1);
      const int64_t end = std::min(start + K_, len);
      WindowRows w;
      for (int64_t k = start; k < end; ++k) {
        w.states.push_back(tr.observations[size_t(k)]);
        w.actions.push_back(tr.actions[size_t(k)]);
        w.rtg.push_back(d_->rtg[t][size_t(k)]);
        w.timesteps.push_back(k);
      }
      rows.push_back(std::move(w));
    }
    ++cursor_;
    return window_batch(d_->spec, K_, rows);
  }
  nlohmann::json state() const override { return {{"cursor", cursor_}}; }
  void load_state(const nlohmann::json& j) override {
    WEFT_CHECK(j.is_object() && j.contains("cursor") && j["cursor"].is_number_integer(), CheckpointError,
               "trajectories sampler state: 'cursor' is missing or malformed");
    cursor_ = j["cursor"].get<int64_t>();
  }

 private:
  std::shared_ptr<const Prepared> d_;
  int64_t batch_, K_;
  uint64_t seed_;
  int64_t cursor_ = 0;
};

class TrajectoryData : public Dataset {
 public:
  static Schema schema() {
    Schema s;
    s.add_string("path").required().help("dataset file written by `weft dataset collect` (safetensors, D4RL keys)");
    s.add_number("return_scale", 1.0).min(1e-9).help("returns-to-go (and rollout rewards) are divided by this");
    s.add_string("env").help("the environment the file must come from (DataError otherwise; default: the file's)");
    s.add_int("state_dim").range(1, 1 << 20).help("the observation size the file must have (DataError otherwise)");
    return s;
  }

  static std::shared_ptr<Dataset> create(const ResolvedView& v) {
    if (!v.has("path")) throw ConfigError("data.path: a trajectories dataset needs the file to read");
    const std::string path = v.get<std::string>("path");
    OfflineData od = read_offline_data(path);
    auto p = std::make_shared<Prepared>();
    if (v.has("env") && v.get<std::string>("env") != od.env)
      throw DataError(path + " was collected in '" + od.env + "', the recipe's data.env is '" +
                      v.get<std::string>("env") + "'");
    auto env = make_environment(od.env);
    const Space os = env->observation_space(), as = env->action_space();
    const int64_t S = int64_t(od.trajectories[0].observations[0].size());
    const int64_t A = int64_t(od.trajectories[0].actions[0].size());
    WEFT_CHECK(S == os.size, DataError, path, ": observations have ", S, " numbers per step, the environment '",
               od.env, "' has ", os.size);
    if (v.has("state_dim"))
      WEFT_CHECK(S == v.get<int64_t>("state_dim"), DataError, path, ": observations have ", S,
                 " numbers per step, the recipe's data.state_dim is ", v.get<int64_t>("state_dim"));
    WEFT_CHECK(A == (as.discrete ? 1 : as.size), DataError, path, ": actions have ", A,
               " numbers per step, the environment '", od.env, "' takes ", as.discrete ? 1 : as.size);
    TrajectorySpec& sp = p->spec;
    sp.env = od.env;
    sp.state_dim = S;
    sp.act_dim = A;
    sp.discrete = as.discrete;
    sp.n_actions = as.discrete ? as.n : 0;
    if (!as.discrete) sp.action_low = as.low, sp.action_high = as.high;
    sp.return_scale = v.get<double>("return_scale");
    sp.max_ep_len = env->max_episode_steps();
    sp.ref_random_return = metadata_number(od, "ref_random_return", path);
    sp.ref_expert_return = metadata_number(od, "ref_expert_return", path);
    WEFT_CHECK(sp.ref_expert_return != sp.ref_random_return, DataError, path,
               ": metadata ref_expert_return equals ref_random_return (", sp.ref_random_return,
               "): normalised scores would divide by zero");
    // State statistics of the training split (every step of every trajectory).
    std::vector<double> sum(size_t(S), 0), sq(static_cast<size_t>(S), 0);
    int64_t n = 0;
    sp.return_max = -1e300;
    sp.rtg_min = 1e300, sp.rtg_max = -1e300;
    double ret_sum = 0;
    for (auto& t : od.trajectories) {
      for (auto& o : t.observations) {
        for (int64_t j = 0; j < S; ++j) sum[size_t(j)] += o[size_t(j)];
        ++n;
      }
      std::vector<double> r(t.rewards.size());
      double acc = 0;
      for (size_t k = t.rewards.size(); k-- > 0;) {
        r[k] = (acc += t.rewards[k]) / sp.return_scale;
        sp.rtg_min = std::min(sp.rtg_min, r[k]);
        sp.rtg_max = std::max(sp.rtg_max, r[k]);
      }
      sp.return_max = std::max(sp.return_max, acc);
      ret_sum += acc;
      p->rtg.push_back(std::move(r));
      p->cum.push_back((p->cum.empty() ? 0 : p->cum.back()) + int64_t(t.rewards.size()));
    }
    sp.return_mean = ret_sum / double(od.trajectories.size());
    for (int64_t j = 0; j < S; ++j) sum[size_t(j)] /= double(n);
    for (auto& t : od.trajectories)
      for (auto& o : t.observations)
        for (int64_t j = 0; j < S; ++j) sq[size_t(j)] += (o[size_t(j)] - sum[size_t(j)]) * (o[size_t(j)] - sum[size_t(j)]);
    sp.state_mean = sum;
    for (int64_t j = 0; j < S; ++j) sp.state_std.push_back(std::sqrt(sq[size_t(j)] / double(n)) + 1e-6);
    p->traj = std::move(od.trajectories);
    auto d = std::make_shared<TrajectoryData>();
    d->d_ = p;
    d->path_ = path;
    return d;
  }

  // `weft inspect` on a recipe whose file is not collected yet: the model's
  // shapes follow from data.env alone (statistics 0/1 until the data exists);
  // with the file present the real description is read.
  static std::optional<nlohmann::json> describe(const ResolvedView& v) {
    if (!v.has("env") || std::filesystem::exists(v.get<std::string>("path"))) return std::nullopt;
    auto env = make_environment(v.get<std::string>("env"));
    const Space os = env->observation_space(), as = env->action_space();
    TrajectorySpec sp;
    sp.env = v.get<std::string>("env");
    sp.state_dim = os.size;
    sp.act_dim = as.discrete ? 1 : as.size;
    sp.discrete = as.discrete;
    sp.n_actions = as.discrete ? as.n : 0;
    if (!as.discrete) sp.action_low = as.low, sp.action_high = as.high;
    sp.state_mean.assign(size_t(os.size), 0.0);
    sp.state_std.assign(size_t(os.size), 1.0);
    sp.return_scale = v.get<double>("return_scale");
    sp.max_ep_len = env->max_episode_steps();
    return sp.to_json();
  }

  nlohmann::json description() const override { return d_->spec.to_json(); }
  std::string summary() const override {
    return std::to_string(d_->cum.back()) + " steps in " + std::to_string(d_->traj.size()) + " trajectories of " +
           d_->spec.env + " (" + path_ + ")";
  }
  std::string evaluator() const override { return "rollout"; }
  std::unique_ptr<Sampler> train_sampler(int64_t batch, int64_t context, uint64_t seed) const override {
    return std::make_unique<TrajectorySampler>(d_, batch, context, seed);
  }
  void check_usable(int64_t batch, int64_t context) const override {
    WEFT_CHECK(batch >= 1 && context >= 1, DataError, "trajectories: batch ", batch, " and context ", context,
               " must be positive");
  }

 private:
  std::shared_ptr<const Prepared> d_;
  std::string path_;
};


WEFT_REGISTER_DATASET("trajectories", TrajectoryData,
                      "offline RL trajectories (weft dataset collect): RTG/state/action windows, rollout eval");

}  // namespace
}  // namespace weft
