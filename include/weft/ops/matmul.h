// defines: matmul — 2-D and batched (broadcast batch dims), on the backend gemm (CPU: oneDNN f32, OpenBLAS f64);
// linear — x @ W + b with the bias folded into the gemm.
#pragma once

#include <string>

#include "weft/backend/backend.h"
#include "weft/core/tensor.h"

namespace weft {

// The input precision of every f32 matmul and linear from now on (`train.precision`;
// process-wide, like the thread count). A GEMM records the precision it ran with and
// its backward GEMMs use the same, so a step is consistent even if the setting
// changes before backward(). Default f32.
void set_matmul_precision(MatmulPrecision p);
MatmulPrecision matmul_precision();
// "f32", "tf32", "bf16"; parse throws ValueError naming the value and the choices.
const char* matmul_precision_name(MatmulPrecision p);
MatmulPrecision parse_matmul_precision(const std::string& s);

// Sets a precision for one scope and restores the previous one (tests, tools).
class ScopedMatmulPrecision {
 public:
  explicit ScopedMatmulPrecision(MatmulPrecision p) : saved_(matmul_precision()) { set_matmul_precision(p); }
  ~ScopedMatmulPrecision() { set_matmul_precision(saved_); }
  ScopedMatmulPrecision(const ScopedMatmulPrecision&) = delete;
  ScopedMatmulPrecision& operator=(const ScopedMatmulPrecision&) = delete;

 private:
  MatmulPrecision saved_;
};

// a [..., M, K] @ b [..., K, N] → [..., M, N]; batch dims broadcast. Transposed
// views are read in place. x [..., K] @ W [K, N] runs as one gemm over all rows.
Tensor matmul(const Tensor& a, const Tensor& b);

// x [..., K] @ w [K, N] + b [N] → [..., N]. The output is prefilled with the bias
// and the gemm accumulates into it (beta = 1), so there is no separate add pass;
// the bias gradient is one column sum. Equal to add(matmul(x, w), b) up to the
// rounding of that one addition.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);

}  // namespace weft
