// defines: views (reshape, transpose, permute, narrow, expand) and copies
// (contiguous, concat, split, stack), tril/triu, causal_mask, and the helpers
// squeeze/unsqueeze/flatten and sum_to (the reduction broadcasting's backward needs).
//
// Views share storage with their input and record a backward; no data moves.
#pragma once

#include <vector>

#include "weft/core/tensor.h"

namespace weft {

// One dim may be -1 (inferred). A view when the input is contiguous, else a copy.
Tensor reshape(const Tensor& x, Shape shape);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor permute(const Tensor& x, const std::vector<int64_t>& order);
// Elements [start, start + length) along dim, as a view.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
// Broadcast to `shape` (new leading dims allowed; size-1 dims stretch) as a stride-0 view.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor contiguous(const Tensor& x);
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);
// Pieces of the given sizes along dim (sizes must add up to the dim's size).
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim);
// `chunks` equal pieces along dim.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
// Keeps elements with j − i ≤ k over the last two dims (tril) / j − i ≥ k (triu).
Tensor tril(const Tensor& x, int64_t k = 0);
Tensor triu(const Tensor& x, int64_t k = 0);
// [T, T] additive mask: 0 where j ≤ i, −inf where j > i.
Tensor causal_mask(int64_t T, DType dtype = DType::f32, Device device = Device::cpu());

Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
// Sums a broadcast gradient back to `shape` (inverse of expand).
Tensor sum_to(const Tensor& g, const Shape& shape);

}  // namespace weft
