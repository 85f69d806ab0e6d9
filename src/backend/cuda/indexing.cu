// CUDA index_select / index_add / gather / scatter_add, viewing tensors as
// [outer, n, inner] around `dim`. The accumulating kernels give each output column
// (outer, inner position) to one thread that walks the indices in order — the
// CPU's order, no atomics — so results are deterministic and match the CPU's
// summation order. (Embedding backwards with very long index lists would profit
// from a sort-by-index segmented sum; same order, more parallelism.)
#include "common.cuh"

namespace weft::cuda {

namespace {

void split_dims(const Shape& s, int dim, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int d = 0; d < dim; ++d) outer *= s[d];
  for (size_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
}

template <typename T>
__global__ void index_select_kernel(const T* x, const int64_t* idx, T* o, int64_t total, int64_t m, int64_t n,
                                    int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = e % inner, r = e / inner, a = r / m, i = r % m;
    o[e] = x[(a * n + idx[i]) * inner + c];
  }
}

template <typename T>
__global__ void index_add_kernel(T* o, const int64_t* idx, const T* s, int64_t outer, int64_t m, int64_t n,
                                 int64_t inner) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < outer * inner;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t a = p / inner, c = p % inner;
    for (int64_t i = 0; i < m; ++i) o[(a * n + idx[i]) * inner + c] += s[(a * m + i) * inner + c];
  }
}

template <typename T>
__global__ void gather_kernel(const T* x, const int64_t* idx, T* o, int64_t total, int64_t m, int64_t n,
                              int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = e % inner, a = e / (m * inner);
    o[e] = x[(a * n + idx[e]) * inner + c];
  }
}

template <typename T>
__global__ void scatter_add_kernel(T* o, const int64_t* idx, const T* s, int64_t outer, int64_t m, int64_t n,
                                   int64_t inner) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < outer * inner;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t a = p / inner, c = p % inner;
    for (int64_t i = 0; i < m; ++i) {
      const int64_t e = (a * m + i) * inner + c;
      o[(a * n + idx[e]) * inner + c] += s[e];
    }
  }
}

}  // namespace

void CudaBackend::index_select(const Tensor& x, int dim, const Tensor& idx, Tensor& out) {
  require_contiguous(x, "index_select", "x");
  require_contiguous(idx, "index_select", "idx");
  require_contiguous(out, "index_select", "out");
  cudaStream_t s = stream();
  dispatch_all(x.dtype(), "index_select", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(x.shape(), dim, outer, inner);
    const int64_t n = x.shape()[dim], m = idx.numel(), total = out.numel();
    if (total == 0) return;
    index_select_kernel<T><<<grid_for(total), kThreads, 0, s>>>(dptr<T>(x), dptr<int64_t>(idx), dptr<T>(out), total,
                                                                m, n, inner);
    launch_check("index_select");
  });
}

void CudaBackend::index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) {
  require_contiguous(out, "index_add", "out");
  require_contiguous(src, "index_add", "src");
  require_contiguous(idx, "index_add", "idx");
  cudaStream_t s = stream();
  dispatch_floating(out.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(out.shape(), dim, outer, inner);
    const int64_t n = out.shape()[dim], m = idx.numel();
    if (outer * inner == 0 || m == 0) return;
    index_add_kernel<T><<<grid_for(outer * inner), kThreads, 0, s>>>(dptr<T>(out), dptr<int64_t>(idx), dptr<T>(src),
                                                                     outer, m, n, inner);
    launch_check("index_add");
  });
}

void CudaBackend::gather(const Tensor& x, int dim, const Tensor& idx, Tensor& out) {
  require_contiguous(x, "gather", "x");
  require_contiguous(idx, "gather", "idx");
  require_contiguous(out, "gather", "out");
  cudaStream_t s = stream();
  dispatch_all(x.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(idx.shape(), dim, outer, inner);
    const int64_t n = x.shape()[dim], m = idx.shape()[dim], total = out.numel();
    if (total == 0) return;
    gather_kernel<T><<<grid_for(total), kThreads, 0, s>>>(dptr<T>(x), dptr<int64_t>(idx), dptr<T>(out), total, m, n,
                                                          inner);
    launch_check("gather");
  });
}

void CudaBackend::scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) {
  require_contiguous(out, "scatter_add", "out");
  require_contiguous(src, "scatter_add", "src");
  require_contiguous(idx, "scatter_add", "idx");
  cudaStream_t s = stream();
  dispatch_floating(out.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer, inner;
    split_dims(idx.shape(), dim, outer, inner);
    const int64_t n = out.shape()[dim], m = idx.shape()[dim];
    if (outer * inner == 0 || m == 0) return;
    scatter_add_kernel<T><<<grid_for(outer * inner), kThreads, 0, s>>>(dptr<T>(out), dptr<int64_t>(idx),
                                                                       dptr<T>(src), outer, m, n, inner);
    launch_check("scatter_add");
  });
}

}  // namespace weft::cuda
