#include "weft/rl/elastic_search.h"

#include "weft/core/error.h"

namespace weft {

WindowRows last_steps(const WindowRows& w, int64_t length) {
  const int64_t n = int64_t(w.rtg.size());
  WEFT_CHECK(length >= 1 && length <= n, ValueError, "elastic search: history length ", length, " of a ", n,
             "-step window");
  const long first = long(n - length);
  WindowRows o;
  o.states.assign(w.states.begin() + first, w.states.end());
  o.actions.assign(w.actions.begin() + first, w.actions.end());
  o.rtg.assign(w.rtg.begin() + first, w.rtg.end());
  o.timesteps.assign(w.timesteps.begin() + first, w.timesteps.end());
  return o;
}

std::vector<SearchChoice> elastic_search(SequencePolicy& policy, int64_t K, int64_t stride,
                                         const std::vector<WindowRows>& windows) {
  WEFT_CHECK(stride >= 1, ValueError, "elastic search: the stride must be at least 1, got ", stride);
  std::vector<WindowRows> rows;
  std::vector<size_t> owner;
  std::vector<int64_t> lengths;
  for (size_t e = 0; e < windows.size(); ++e) {
    const int64_t n = int64_t(windows[e].rtg.size());
    WEFT_CHECK(n >= 1 && n <= K, ValueError, "elastic search: a window of ", n, " steps, at most ", K);
    for (int64_t L = n; L >= 1; L -= stride) {
      rows.push_back(last_steps(windows[e], L));
      owner.push_back(e);
      lengths.push_back(L);
    }
  }
  std::vector<SearchChoice> best(windows.size());
  if (rows.empty()) return best;
  const std::vector<double> est =
      policy.estimate_returns(window_batch(policy.trajectory_spec(), K, rows)).to_vector<double>();
  std::vector<bool> seen(windows.size(), false);
  for (size_t i = 0; i < rows.size(); ++i) {
    const double r = est[i * size_t(K) + size_t(K - 1)];  // the current step is the window's last row
    SearchChoice& b = best[owner[i]];
    if (!seen[owner[i]] || r > b.estimate) b = {lengths[i], r}, seen[owner[i]] = true;
  }
  return best;
}

}  // namespace weft
