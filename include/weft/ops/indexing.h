// defines: embedding, index_select, gather (scatter-add backwards, deterministic).
// Indices are i64 and bounds-checked; an out-of-range index is an IndexError
// naming the op, the value, its position and the valid range.
#pragma once

#include "weft/core/tensor.h"

namespace weft {

// weight [V, D], idx [...] → [..., D].
Tensor embedding(const Tensor& weight, const Tensor& idx);
// idx 1-D: out = x with dim `dim` replaced by x[..., idx[i], ...].
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& idx);
// out[..i..] = x[..idx[..i..]..] along dim; idx has x's shape except along dim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& idx);

}  // namespace weft
