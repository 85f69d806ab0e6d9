// defines: softmax, log_softmax, softmax_cross_entropy (fused forward and backward).
#pragma once

#include <cstdint>

#include "weft/core/tensor.h"

namespace weft {

Tensor softmax(const Tensor& x, int64_t dim = -1);
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

enum class Reduction { none, mean, sum };

struct CrossEntropyOptions {
  int64_t ignore_index = -100;   // rows with this target contribute 0 and are not counted
  double label_smoothing = 0.0;  // in [0, 1]
  Reduction reduction = Reduction::mean;
};

// logits [..., V], targets [...] (i64). Mean is over non-ignored rows (0 if none).
// Fused: the backward rebuilds softmax from the saved row log-sum-exp.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& opts = {});

}  // namespace weft
