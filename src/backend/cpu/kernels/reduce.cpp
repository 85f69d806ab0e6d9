// CPU reductions (sum/max/min over any set of dims, strided input) and cumsum.
// Each output element accumulates its inputs in one fixed order, so results are
// independent of the thread count.
#include <algorithm>
#include <limits>

#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

namespace {

// Sum of a contiguous [R, C] matrix over its rows (a bias gradient: the reduced
// dims lead, the kept ones trail). Walks rows in order, so each column adds its
// R values in exactly the order of the general path below (bit-identical), but
// reads memory contiguously and vectorises across a block of columns.
template <typename T>
void sum_leading_rows(const T* x, int64_t R, int64_t C, T* out) {
  constexpr int64_t kCols = 64;
  const int64_t blocks = (C + kCols - 1) / kCols;
#pragma omp parallel for schedule(static) if (R * C > kParallelGrain && blocks > 1)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t c0 = blk * kCols, n = std::min(kCols, C - c0);
    double acc[kCols] = {};
    for (int64_t r = 0; r < R; ++r) {
      const T* row = x + r * C + c0;
#pragma omp simd
      for (int64_t c = 0; c < n; ++c) acc[c] += static_cast<double>(row[c]);
    }
    for (int64_t c = 0; c < n; ++c) out[c0 + c] = static_cast<T>(acc[c]);
  }
}

// Whether out keeps exactly a trailing run of x's dims (the rest reduced); sets R, C.
bool reduces_leading_dims(const Tensor& x, const Tensor& out, int64_t& R, int64_t& C) {
  if (!x.is_contiguous()) return false;
  R = 1;
  C = 1;
  bool kept_started = false;
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t n = x.shape()[d];
    if (n == 1) continue;
    const bool kept = out.shape()[d] != 1;
    if (!kept && kept_started) return false;
    kept_started = kept_started || kept;
    (kept ? C : R) *= n;
  }
  return R > 1 && C > 1;
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const Tensor& x, Tensor& out) {
  require_contiguous(out, "reduce", "out");
  dispatch_all(x.dtype(), "reduce", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      int64_t R = 0, C = 0;
      if (op == ReduceOp::sum && reduces_leading_dims(x, out, R, C)) {
        sum_leading_rows(x.data<T>(), R, C, out.data<T>());
        return;
      }
    }
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
    // Split x's dims into kept (outer) and reduced (inner) index spaces.
    std::vector<int64_t> osh, ost_x, ost_o, ish, ist;
    const Strides ostr = out.strides();
    for (int64_t d = 0; d < x.dim(); ++d) {
      int64_t n = x.shape()[d];
      if (n == 1) continue;
      if (out.shape()[d] == 1) {
        ish.push_back(n);
        ist.push_back(x.strides()[d]);
      } else {
        osh.push_back(n);
        ost_x.push_back(x.strides()[d]);
        ost_o.push_back(ostr[d]);
      }
    }
    int64_t n_out = 1, n_in = 1;
    for (int64_t v : osh) n_out *= v;
    for (int64_t v : ish) n_in *= v;
    const T* xb = static_cast<const T*>(x.raw_data());
    T* ob = out.data<T>();
    const int ni = static_cast<int>(ish.size()), no = static_cast<int>(osh.size());
    const int64_t inner_n = ni ? ish[ni - 1] : 1, inner_s = ni ? ist[ni - 1] : 0;
#pragma omp parallel for schedule(static) if (n_out * n_in > kParallelGrain && n_out > 1)
    for (int64_t o = 0; o < n_out; ++o) {
      int64_t xoff = 0, ooff = 0, rem = o;
      for (int d = no - 1; d >= 0; --d) {
        int64_t i = rem % osh[d];
        rem /= osh[d];
        xoff += i * ost_x[d];
        ooff += i * ost_o[d];
      }
      Acc acc = op == ReduceOp::sum ? Acc(0)
                : op == ReduceOp::max ? std::numeric_limits<T>::lowest()
                                      : std::numeric_limits<T>::max();
      if (std::is_floating_point_v<T> && op != ReduceOp::sum)
        acc = op == ReduceOp::max ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
      // Odometer over the reduced dims except the innermost, which is a tight loop.
      int64_t idx[16] = {0};
      const int64_t outer_in = n_in / inner_n;
      for (int64_t r = 0; r < outer_in; ++r) {
        int64_t off = xoff;
        for (int d = 0; d < ni - 1; ++d) off += idx[d] * ist[d];
        const T* px = xb + off;
        if (op == ReduceOp::sum) {
          for (int64_t j = 0; j < inner_n; ++j) acc += static_cast<Acc>(px[j * inner_s]);
        } else if (op == ReduceOp::max) {
          for (int64_t j = 0; j < inner_n; ++j) {
            Acc v = static_cast<Acc>(px[j * inner_s]);
            acc = (v > acc || v != v) ? v : acc;  // NaN propagates
          }
        } else {
          for (int64_t j = 0; j < inner_n; ++j) {
            Acc v = static_cast<Acc>(px[j * inner_s]);
            acc = (v < acc || v != v) ? v : acc;
          }
        }
        for (int d = ni - 2; d >= 0; --d) {
          if (++idx[d] < ish[d]) break;
          idx[d] = 0;
        }
      }
      ob[ooff] = static_cast<T>(acc);
    }
  });
}

void CpuBackend::cumsum(const Tensor& x, int dim, Tensor& out) {
  require_contiguous(x, "cumsum", "x");
  require_contiguous(out, "cumsum", "out");
  dispatch_all(x.dtype(), "cumsum", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer = 1, inner = 1;
    const int64_t n = x.shape()[dim];
    for (int d = 0; d < dim; ++d) outer *= x.shape()[d];
    for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.shape()[d];
    const T* xi = x.data<T>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > kParallelGrain)
    for (int64_t a = 0; a < outer; ++a) {
      const T* xa = xi + a * n * inner;
      T* oa = o + a * n * inner;
      for (int64_t c = 0; c < inner; ++c) oa[c] = xa[c];
      for (int64_t i = 1; i < n; ++i)
        for (int64_t c = 0; c < inner; ++c) oa[i * inner + c] = oa[(i - 1) * inner + c] + xa[i * inner + c];
    }
  });
}

}  // namespace weft::cpu
