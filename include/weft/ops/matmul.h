// defines: matmul — 2-D and batched (broadcast batch dims), on OpenBLAS gemm.
#pragma once

#include "weft/core/tensor.h"

namespace weft {

// a [..., M, K] @ b [..., K, N] → [..., M, N]; batch dims broadcast. Transposed
// views are read in place. x [..., K] @ W [K, N] runs as one gemm over all rows.
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace weft
