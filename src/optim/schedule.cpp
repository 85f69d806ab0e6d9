#include "weft/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "weft/core/error.h"

namespace weft {

const std::vector<std::string>& schedule_types() {
  static const std::vector<std::string> types{"constant", "cosine", "linear", "wsd"};
  return types;
}

void validate_schedule(const ScheduleOptions& o) {
  const auto& types = schedule_types();
  if (std::find(types.begin(), types.end(), o.type) == types.end())
    throw ValueError("schedule: unknown type '" + o.type + "' (expected constant, cosine, linear or wsd)");
  WEFT_CHECK(o.warmup >= 0, ValueError, "schedule: warmup = ", o.warmup, " must be >= 0");
  if (o.type != "constant") {
    WEFT_CHECK(o.total_steps > 0, ValueError, "schedule '", o.type, "': total_steps = ", o.total_steps,
               " must be > 0");
    WEFT_CHECK(o.warmup <= o.total_steps, ValueError, "schedule '", o.type, "': warmup = ", o.warmup,
               " exceeds total_steps = ", o.total_steps);
  }
  WEFT_CHECK(o.min_lr_ratio >= 0 && o.min_lr_ratio <= 1, ValueError, "schedule: min_lr_ratio = ", o.min_lr_ratio,
             " must be in [0, 1]");
  WEFT_CHECK(o.decay_fraction >= 0 && o.decay_fraction <= 1, ValueError,
             "schedule: decay_fraction = ", o.decay_fraction, " must be in [0, 1]");
}

namespace {

// Fraction of the way from `begin` to `end` at step s, clamped to [0, 1]; 1 when the span is empty.
double progress(int64_t s, int64_t begin, int64_t end) {
  if (end <= begin) return 1.0;
  return std::clamp(static_cast<double>(s - begin) / static_cast<double>(end - begin), 0.0, 1.0);
}

}  // namespace

double schedule_lr(double base_lr, int64_t step, const ScheduleOptions& o) {
  validate_schedule(o);
  WEFT_CHECK(step >= 0, ValueError, "schedule: step = ", step, " must be >= 0");
  if (step < o.warmup) return base_lr * static_cast<double>(step) / static_cast<double>(o.warmup);
  const double lo = base_lr * o.min_lr_ratio;
  if (o.type == "constant") return base_lr;
  if (o.type == "cosine") {
    const double p = progress(step, o.warmup, o.total_steps);
    return lo + (base_lr - lo) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
  }
  if (o.type == "linear") return base_lr - (base_lr - lo) * progress(step, o.warmup, o.total_steps);
  // wsd: the decay phase is the last floor(decay_fraction·T) steps, never overlapping the warm-up.
  const auto decay_steps = static_cast<int64_t>(std::floor(o.decay_fraction * static_cast<double>(o.total_steps)));
  const int64_t decay_start = std::max(o.warmup, o.total_steps - decay_steps);
  if (step < decay_start) return base_lr;
  return base_lr - (base_lr - lo) * progress(step, decay_start, o.total_steps);
}

}  // namespace weft
