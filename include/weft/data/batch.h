// defines: Batch — one language-modelling batch: inputs and next-token targets.
#pragma once

#include "weft/core/tensor.h"

namespace weft {

struct Batch {
  Tensor x;  // i64 [batch, seq_len] token ids (CPU)
  Tensor y;  // i64 [batch, seq_len]: y[b, t] = the token after x[b, t]
};

}  // namespace weft
