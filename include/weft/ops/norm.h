// defines: layer_norm, rms_norm — fused forward and backward over the last dim.
#pragma once

#include "weft/core/tensor.h"

namespace weft {

// (x − mean) / sqrt(var + eps) · weight + bias; weight/bias [C] may be undefined.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps = 1e-5);
// x / sqrt(mean(x²) + eps) · weight; weight may be undefined. With eps_outside_root,
// x / (sqrt(mean(x²)) + eps) · weight (He & Hofmann 2024's RMSNorm).
Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps = 1e-6, bool eps_outside_root = false);

}  // namespace weft
