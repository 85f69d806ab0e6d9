// defines: for_each_strided — the one OpenMP loop template behind every strided
// elementwise CPU kernel.
//
// The flat index space of `shape` is split into one contiguous chunk per thread
// (static, so results do not depend on timing); each chunk is walked as runs along
// the innermost (coalesced) dim, and `body(ptrs, n, inner_strides)` processes one run.
#pragma once

#include <omp.h>

#include <array>
#include <cstdint>

#include "weft/core/shape.h"

namespace weft::cpu {

// Below this many elements a loop runs on one thread.
inline constexpr int64_t kParallelGrain = 1 << 15;

template <int N, typename Body>
void for_each_strided(const Shape& shape, const std::array<const Strides*, N>& strides,
                      const std::array<char*, N>& base, const std::array<int64_t, N>& elem_size, Body&& body) {
  // Coalesce: drop size-1 dims, merge dims that are contiguous with each other in every operand.
  int64_t sh[16];
  int64_t st[N][16];
  int nd = 0;
  int64_t total = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    total *= shape[d];
    if (shape[d] == 1) continue;
    if (nd > 0) {
      bool merge = true;
      for (int k = 0; k < N; ++k) merge = merge && (st[k][nd - 1] == (*strides[k])[d] * shape[d]);
      if (merge) {
        sh[nd - 1] *= shape[d];
        for (int k = 0; k < N; ++k) st[k][nd - 1] = (*strides[k])[d];
        continue;
      }
    }
    sh[nd] = shape[d];
    for (int k = 0; k < N; ++k) st[k][nd] = (*strides[k])[d];
    ++nd;
  }
  if (total == 0) return;
  if (nd == 0) {
    sh[0] = 1;
    for (int k = 0; k < N; ++k) st[k][0] = 0;
    nd = 1;
  }
  const int64_t inner = sh[nd - 1];
  std::array<int64_t, N> inner_st;
  for (int k = 0; k < N; ++k) inner_st[k] = st[k][nd - 1] * elem_size[k];

  auto run_range = [&](int64_t begin, int64_t end) {
    // Unravel `begin` into a multi-index.
    int64_t idx[16];
    int64_t rem = begin;
    for (int d = nd - 1; d >= 0; --d) {
      idx[d] = rem % sh[d];
      rem /= sh[d];
    }
    int64_t pos = begin;
    while (pos < end) {
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) {
        int64_t off = 0;
        for (int d = 0; d < nd; ++d) off += idx[d] * st[k][d];
        p[k] = base[k] + off * elem_size[k];
      }
      int64_t n = std::min(inner - idx[nd - 1], end - pos);
      body(p, n, inner_st);
      pos += n;
      idx[nd - 1] += n;
      for (int d = nd - 1; d > 0 && idx[d] == sh[d]; --d) {
        idx[d] = 0;
        idx[d - 1]++;
      }
    }
  };

  if (total < kParallelGrain || omp_get_max_threads() == 1 || omp_in_parallel()) {
    run_range(0, total);
    return;
  }
#pragma omp parallel
  {
    int nt = omp_get_num_threads(), t = omp_get_thread_num();
    int64_t chunk = (total + nt - 1) / nt;
    int64_t b = std::min(total, t * chunk), e = std::min(total, b + chunk);
    if (b < e) run_range(b, e);
  }
}

// Static split of [0, n) across the threads of an enclosing parallel region.
inline void thread_range(int64_t n, int64_t& begin, int64_t& end) {
  int nt = omp_get_num_threads(), t = omp_get_thread_num();
  int64_t chunk = (n + nt - 1) / nt;
  begin = std::min(n, t * chunk);
  end = std::min(n, begin + chunk);
}

}  // namespace weft::cpu
