// defines: clip_grad_norm — global L2-norm gradient clipping.
#pragma once

#include "weft/optim/optimizer.h"

namespace weft {

// Returns the global L2 norm of all defined gradients before clipping: the sum of
// squares of each gradient is taken in f64 by the backend's sum_of_squares and the
// sums are added in parameter order, so the result is deterministic for a fixed
// thread count. Parameters without a gradient are skipped. When max_norm > 0 and
// norm > max_norm, every gradient is scaled in place by max_norm / (norm + 1e-6)
// (torch.nn.utils.clip_grad_norm_'s rule). max_norm ≤ 0 only measures. A
// non-finite norm is returned as is and the gradients are left alone: the trainer
// reports it and skips the step.
double clip_grad_norm(const NamedParameters& params, double max_norm);

}  // namespace weft
