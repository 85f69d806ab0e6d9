// defines: SearchChoice, elastic_search — Elastic DT's inference-time search
// over history lengths (Wu et al. 2023, §4.3): for each episode's window (the
// real steps so far, the last one being the current step), the policy's
// estimated maximal return R̃ of the current step is computed with the last
// L = n, n − stride, n − 2·stride, … ≥ 1 steps as history (n = the window's
// length); the length with the largest R̃ wins (ties: the longer). A short
// history lets the policy leave a poor trajectory and "stitch" onto a better
// one. All candidates of all episodes run as one batch (shorter ones are
// left-padded, which the policy ignores).
#pragma once

#include <cstdint>
#include <vector>

#include "weft/rl/sequence_policy.h"

namespace weft {

struct SearchChoice {
  int64_t length = 0;   // history length L that was chosen
  double estimate = 0;  // its R̃ (scaled, like the returns-to-go)
};

std::vector<SearchChoice> elastic_search(SequencePolicy& policy, int64_t K, int64_t stride,
                                         const std::vector<WindowRows>& windows);

// The last `length` steps of a window.
WindowRows last_steps(const WindowRows& w, int64_t length);

}  // namespace weft
