// defines: MatLayout, layout_of — how a BLAS (row-major cblas on the CPU,
// column-major cuBLAS with swapped operands on CUDA) can read a strided matrix view
// in place: as stored (row-major, leading dimension = row stride) or transposed
// (a column-major view such as a backward's Aᵀ), or not at all (the caller copies).
#pragma once

#include <algorithm>
#include <cstdint>

namespace weft {

struct MatLayout {
  bool trans = false;  // stored column-major (a transposed row-major view)
  int64_t ld = 0;
  bool ok = false;
};

// How BLAS can read a rows×cols matrix with the given element strides.
inline MatLayout layout_of(int64_t rows, int64_t cols, int64_t s_row, int64_t s_col) {
  MatLayout l;
  if ((s_col == 1 || cols == 1) && (rows == 1 || s_row >= std::max<int64_t>(1, cols))) {
    l.ld = rows == 1 ? std::max<int64_t>(1, cols) : s_row;
    l.ok = true;
  } else if ((s_row == 1 || rows == 1) && (cols == 1 || s_col >= std::max<int64_t>(1, rows))) {
    l.trans = true;
    l.ld = cols == 1 ? std::max<int64_t>(1, rows) : s_col;
    l.ok = true;
  }
  return l;
}

}  // namespace weft
