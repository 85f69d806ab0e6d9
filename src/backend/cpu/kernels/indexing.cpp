// CPU index_select / index_add / gather / scatter_add. Tensors are viewed as
// [outer, n, inner] around `dim`. Accumulating kernels parallelise over (outer,
// inner) positions only, so each output element is summed in index order.
#include <cstring>

#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

namespace {
void split_dims(const Shape& s, int dim, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int d = 0; d < dim; ++d) outer *= s[d];
  for (size_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
}
}  // namespace

void CpuBackend::check_indices(const Tensor& idx, const IndexBounds& b) {
  require_contiguous(idx, "check_indices", "idx");
  const int64_t* p = idx.data<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i)
    if (!(p[i] >= 0 && p[i] < b.n) && !(b.has_ignore && p[i] == b.ignore))
      throw IndexError(index_error_message(b, i, p[i]));
}

void CpuBackend::index_select(const Tensor& x, int dim, const Tensor& idx, Tensor& out) {
  require_contiguous(x, "index_select", "x");
  require_contiguous(idx, "index_select", "idx");
  dispatch_all(x.dtype(), "index_select", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(x.shape(), dim, outer, inner);
    const int64_t n = x.shape()[dim], m = idx.numel();
    const T* xi = x.data<T>();
    const int64_t* ii = idx.data<int64_t>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) if (out.numel() > kParallelGrain)
    for (int64_t r = 0; r < outer * m; ++r) {
      const int64_t a = r / m, i = r % m;
      std::memcpy(o + r * inner, xi + (a * n + ii[i]) * inner, static_cast<size_t>(inner) * sizeof(T));
    }
  });
}

void CpuBackend::index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) {
  require_contiguous(out, "index_add", "out");
  require_contiguous(src, "index_add", "src");
  dispatch_floating(out.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(out.shape(), dim, outer, inner);
    const int64_t n = out.shape()[dim], m = idx.numel();
    const T* s = src.data<T>();
    const int64_t* ii = idx.data<int64_t>();
    T* o = out.data<T>();
    // Each thread owns a column range of `inner` (for every outer slice) and walks
    // the indices in order.
#pragma omp parallel if (src.numel() > kParallelGrain)
    {
      int64_t cb, ce;
      thread_range(inner, cb, ce);
      for (int64_t a = 0; a < outer; ++a)
        for (int64_t i = 0; i < m; ++i) {
          T* orow = o + (a * n + ii[i]) * inner;
          const T* srow = s + (a * m + i) * inner;
          for (int64_t c = cb; c < ce; ++c) orow[c] += srow[c];
        }
    }
  });
}

void CpuBackend::gather(const Tensor& x, int dim, const Tensor& idx, Tensor& out) {
  require_contiguous(x, "gather", "x");
  require_contiguous(idx, "gather", "idx");
  dispatch_all(x.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(idx.shape(), dim, outer, inner);
    const int64_t n = x.shape()[dim], m = idx.shape()[dim];
    const T* xi = x.data<T>();
    const int64_t* ii = idx.data<int64_t>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) if (out.numel() > kParallelGrain)
    for (int64_t e = 0; e < outer * m * inner; ++e) {
      const int64_t c = e % inner, a = e / (m * inner);
      o[e] = xi[(a * n + ii[e]) * inner + c];
    }
  });
}

void CpuBackend::scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) {
  require_contiguous(out, "scatter_add", "out");
  require_contiguous(src, "scatter_add", "src");
  require_contiguous(idx, "scatter_add", "idx");
  dispatch_floating(out.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(idx.shape(), dim, outer, inner);
    const int64_t n = out.shape()[dim], m = idx.shape()[dim];
    const T* s = src.data<T>();
    const int64_t* ii = idx.data<int64_t>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) if (src.numel() > kParallelGrain)
    for (int64_t p = 0; p < outer * inner; ++p) {
      const int64_t a = p / inner, c = p % inner;
      for (int64_t i = 0; i < m; ++i) {
        const int64_t e = (a * m + i) * inner + c;
        o[(a * n + ii[e]) * inner + c] += s[e];
      }
    }
  });
}

}  // namespace weft::cpu
