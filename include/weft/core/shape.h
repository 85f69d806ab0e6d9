// defines: Shape, Strides, numel, contiguous_strides, is_contiguous, broadcast_shapes,
// normalize_dim, shape_str.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace weft {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

int64_t numel(const Shape& s);
Strides contiguous_strides(const Shape& s);
// True when (shape, strides) address a dense row-major block (size-1 dims ignored).
bool is_contiguous(const Shape& shape, const Strides& strides);
// NumPy broadcasting; throws ShapeError naming `op` when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Maps a possibly negative dim into [0, ndim); throws IndexError naming `op`.
int normalize_dim(int64_t dim, int64_t ndim, const char* op);
std::string shape_str(const Shape& s);

}  // namespace weft
