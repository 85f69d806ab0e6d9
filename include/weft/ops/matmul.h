// defines: matmul — 2-D and batched (broadcast batch dims), on the backend gemm (CPU: oneDNN f32, OpenBLAS f64);
// linear — x @ W + b with the bias folded into the gemm.
#pragma once

#include "weft/core/tensor.h"

namespace weft {

// a [..., M, K] @ b [..., K, N] → [..., M, N]; batch dims broadcast. Transposed
// views are read in place. x [..., K] @ W [K, N] runs as one gemm over all rows.
Tensor matmul(const Tensor& a, const Tensor& b);

// x [..., K] @ w [K, N] + b [N] → [..., N]. The output is prefilled with the bias
// and the gemm accumulates into it (beta = 1), so there is no separate add pass;
// the bias gradient is one column sum. Equal to add(matmul(x, w), b) up to the
// rounding of that one addition.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);

}  // namespace weft
