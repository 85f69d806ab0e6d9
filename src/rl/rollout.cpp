#include "weft/rl/rollout.h"

#include <algorithm>

#include "weft/core/error.h"
#include "weft/core/rng.h"
#include "weft/rl/elastic_search.h"
#include "weft/rl/environment.h"

namespace weft {

double normalized_score(const TrajectorySpec& spec, double ret) {
  return 100.0 * (ret - spec.ref_random_return) / (spec.ref_expert_return - spec.ref_random_return);
}

std::vector<EpisodeResult> rollout(SequencePolicy& policy, int64_t K, const RolloutOptions& o) {
  const TrajectorySpec& spec = policy.trajectory_spec();
  const int64_t N = o.episodes;
  std::vector<std::unique_ptr<Environment>> envs;
  std::vector<WindowRows> hist(static_cast<size_t>(N));
  std::vector<EpisodeResult> res(static_cast<size_t>(N));
  std::vector<bool> done(size_t(N), false);
  const std::vector<double> placeholder =
      spec.discrete ? std::vector<double>{0.0} : action_from_unit(spec, std::vector<double>(size_t(spec.act_dim), 0.0));
  int64_t limit = 0;
  for (int64_t e = 0; e < N; ++e) {
    envs.push_back(make_environment(spec.env));
    limit = o.max_steps > 0 ? o.max_steps : envs.back()->max_episode_steps();
    const Philox4x32 r = philox4x32(uint64_t(e), 0, o.seed ^ 0x0E7A1ull);
    WindowRows& h = hist[size_t(e)];
    h.states.push_back(envs.back()->reset((uint64_t(r.v[1]) << 32) | r.v[0]));
    h.actions.push_back(placeholder);
    h.rtg.push_back(o.target / spec.return_scale);
    h.timesteps.push_back(0);
  }
  for (int64_t t = 0; t < limit; ++t) {
    std::vector<int64_t> active;
    std::vector<WindowRows> rows;
    for (int64_t e = 0; e < N; ++e) {
      if (done[size_t(e)]) continue;
      active.push_back(e);
      const WindowRows& h = hist[size_t(e)];
      const size_t n = h.rtg.size(), first = n > size_t(K) ? n - size_t(K) : 0;
      WindowRows w;
      w.states.assign(h.states.begin() + long(first), h.states.end());
      w.actions.assign(h.actions.begin() + long(first), h.actions.end());
      w.rtg.assign(h.rtg.begin() + long(first), h.rtg.end());
      w.timesteps.assign(h.timesteps.begin() + long(first), h.timesteps.end());
      rows.push_back(std::move(w));
    }
    if (active.empty()) break;
    if (const int64_t stride = policy.search_stride(); stride > 0) {
      // Elastic DT: the current step's return is the searched R̃, and the action
      // comes from the history length that gave it (rl/elastic_search.h).
      const std::vector<SearchChoice> pick = elastic_search(policy, K, stride, rows);
      for (size_t i = 0; i < rows.size(); ++i) {
        rows[i] = last_steps(rows[i], pick[i].length);
        rows[i].rtg.back() = pick[i].estimate;
        hist[size_t(active[i])].rtg.back() = pick[i].estimate;
      }
    }
    const Tensor pred = policy.predict_actions(window_batch(spec, K, rows));
    const int64_t D = pred.size(2);
    const std::vector<double> p = pred.to_vector<double>();
    for (size_t i = 0; i < active.size(); ++i) {
      const int64_t e = active[i];
      const double* row = p.data() + (int64_t(i) * K + (K - 1)) * D;
      std::vector<double> a;
      if (spec.discrete)
        a = {double(std::max_element(row, row + D) - row)};
      else
        a = action_from_unit(spec, std::vector<double>(row, row + D));
      StepResult s = envs[size_t(e)]->step(a);
      WindowRows& h = hist[size_t(e)];
      h.actions.back() = a;
      res[size_t(e)].ret += s.reward;
      res[size_t(e)].length += 1;
      if (s.terminated || s.truncated || t + 1 >= limit) {
        done[size_t(e)] = true;
        continue;
      }
      const double next = o.delayed ? h.rtg.back() : h.rtg.back() - s.reward / spec.return_scale;
      h.states.push_back(s.observation);
      h.actions.push_back(placeholder);
      h.rtg.push_back(next);
      h.timesteps.push_back(t + 1);
      if (h.rtg.size() > size_t(K)) {  // only the last K steps are ever read
        h.states.erase(h.states.begin());
        h.actions.erase(h.actions.begin());
        h.rtg.erase(h.rtg.begin());
        h.timesteps.erase(h.timesteps.begin());
      }
    }
  }
  return res;
}

}  // namespace weft
