// defines: ScheduleOptions, schedule_types, validate_schedule, schedule_lr —
// learning-rate schedules as pure functions of the step.
//
// Step convention: steps count from 0, and schedule_lr(base, s, o) is the rate
// used by the update that takes the model from step s to step s+1. A run of N
// updates therefore uses s = 0 … N−1 with total_steps = N, and the end value
// base·min_lr_ratio is reached at s = total_steps (after the last update, as in
// Hugging Face's schedulers). Beyond total_steps the end value holds.
//
// With w = warmup, T = total_steps, lo = base·min_lr_ratio:
//   warm-up (all types)  s < w:  base · s / w          (so the first update has lr 0)
//   constant             s ≥ w:  base
//   cosine               s ≥ w:  lo + (base − lo) · ½(1 + cos(π·p)),  p = (s − w)/(T − w) clamped to [0, 1]
//   linear               s ≥ w:  base − (base − lo) · p
//   wsd                  warm-up, stable at base until D = max(w, T − floor(decay_fraction·T)),
//                        then base − (base − lo) · (s − D)/(T − D), clamped at lo (MiniCPM, Hu et al. 2024)
// When T == w, p is 1 from s = w on (the decay phase has no length).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace weft {

struct ScheduleOptions {
  std::string type = "cosine";  // constant | cosine | linear | wsd
  int64_t warmup = 0;
  int64_t total_steps = 0;      // needed by cosine, linear and wsd
  double min_lr_ratio = 0.1;    // end value / base
  double decay_fraction = 0.2;  // wsd: share of total_steps spent decaying
};

// The accepted `type` strings, in documentation order.
const std::vector<std::string>& schedule_types();

// Throws ValueError naming the field: unknown type, warmup < 0, total_steps ≤ 0
// (except for constant) or < warmup, min_lr_ratio outside [0, 1], decay_fraction
// outside [0, 1].
void validate_schedule(const ScheduleOptions& o);

// The learning rate for the update from step `step` (≥ 0) to step+1; validates `o`.
double schedule_lr(double base_lr, int64_t step, const ScheduleOptions& o);

}  // namespace weft
