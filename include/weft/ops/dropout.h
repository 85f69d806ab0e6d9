// defines: dropout — masks from the counter-based RNG (deterministic, resumable).
#pragma once

#include "weft/core/rng.h"
#include "weft/core/tensor.h"

namespace weft {

// In training, zeroes each element with probability p and scales the rest by
// 1/(1 − p); the mask is a function of the generator's (seed, offset) only, and
// the backward regenerates it instead of storing it. Identity when !training or p = 0.
Tensor dropout(const Tensor& x, double p, bool training = true, Generator* gen = nullptr);

}  // namespace weft
