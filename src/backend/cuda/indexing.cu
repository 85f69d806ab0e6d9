// CUDA check_indices and index_select / index_add / gather / scatter_add, viewing tensors as
// [outer, n, inner] around `dim`. The accumulating kernels give each output column
// (outer, inner position) to one thread that walks the indices in order — the
// CPU's order, no atomics — so results are deterministic and match the CPU's
// summation order. (Embedding backwards with very long index lists would profit
// from a sort-by-index segmented sum; same order, more parallelism.) Indices are
// checked on the device (check_indices): the first violation is recorded there and
// raised at the next copy to the host; until then these kernels skip out-of-range
// entries (reads give 0, accumulations drop them), so nothing reads or writes outside a tensor.
#include "common.cuh"

namespace weft::cuda {

namespace {

void split_dims(const Shape& s, int dim, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int d = 0; d < dim; ++d) outer *= s[d];
  for (size_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
}

constexpr unsigned long long kNoIndexError = ~0ull;
constexpr unsigned long long kPositionBits = 40;

__global__ void check_indices_kernel(const int64_t* idx, int64_t count, int64_t n, bool has_ignore, int64_t ignore,
                                     unsigned long long slot, unsigned long long* key) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < count; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t v = idx[e];
    if (!(v >= 0 && v < n) && !(has_ignore && v == ignore))
      atomicMin(key, (slot << kPositionBits) | static_cast<unsigned long long>(e));
  }
}

// Runs after check_indices_kernel on the same stream: the value at the recorded
// position, when the record is this check's (an earlier check's record always wins).
__global__ void index_error_value_kernel(const int64_t* idx, unsigned long long slot, unsigned long long* key,
                                         int64_t* value) {
  const unsigned long long k = *key;
  if (k != kNoIndexError && (k >> kPositionBits) == slot) *value = idx[k & ((1ull << kPositionBits) - 1)];
}

__device__ inline bool in_range(int64_t j, int64_t n) { return j >= 0 && j < n; }

template <typename T>
__global__ void index_select_kernel(const T* x, const int64_t* idx, T* o, int64_t total, int64_t m, int64_t n,
                                    int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = e % inner, r = e / inner, a = r / m, i = r % m, j = idx[i];
    o[e] = in_range(j, n) ? x[(a * n + j) * inner + c] : T(0);
  }
}

template <typename T>
__global__ void index_add_kernel(T* o, const int64_t* idx, const T* s, int64_t outer, int64_t m, int64_t n,
                                 int64_t inner) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < outer * inner;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t a = p / inner, c = p % inner;
    for (int64_t i = 0; i < m; ++i)
      if (in_range(idx[i], n)) o[(a * n + idx[i]) * inner + c] += s[(a * m + i) * inner + c];
  }
}

template <typename T>
__global__ void gather_kernel(const T* x, const int64_t* idx, T* o, int64_t total, int64_t m, int64_t n,
                              int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < total; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = e % inner, a = e / (m * inner), j = idx[e];
    o[e] = in_range(j, n) ? x[(a * n + j) * inner + c] : T(0);
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
      if (in_range(idx[e], n)) o[(a * n + idx[e]) * inner + c] += s[e];
    }
  }
}

}  // namespace

void CudaBackend::check_indices(const Tensor& idx, const IndexBounds& b) {
  require_contiguous(idx, "check_indices", "idx");
  WEFT_CHECK(idx.dtype() == DType::i64, DTypeError, b.op, ": indices must be i64, got ", idx.describe());
  const int64_t count = idx.numel();
  if (count == 0) return;
  WEFT_CHECK(count < (int64_t(1) << kPositionBits) && index_checks_.size() < (size_t(1) << 23), ShapeError, b.op,
             ": too many indices to check on the device (", count, " after ", index_checks_.size(),
             " checks without a read to the host)");
  cudaStream_t s = stream();
  if (!index_error_.defined()) {
    index_error_ = Tensor::empty({2}, DType::i64, device());
    cuda_check(cudaMemsetAsync(index_error_.raw_data(), 0xff, 2 * sizeof(int64_t), s), "check_indices (reset)");
  }
  const unsigned long long slot = index_checks_.size();
  index_checks_.push_back(b);
  auto* key = reinterpret_cast<unsigned long long*>(dptr<int64_t>(index_error_));
  check_indices_kernel<<<grid_for(count), kThreads, 0, s>>>(dptr<int64_t>(idx), count, b.n, b.has_ignore, b.ignore,
                                                            slot, key);
  launch_check("check_indices");
  index_error_value_kernel<<<1, 1, 0, s>>>(dptr<int64_t>(idx), slot, key, dptr<int64_t>(index_error_) + 1);
  launch_check("check_indices");
}

void CudaBackend::raise_index_error() {
  if (index_checks_.empty()) return;
  int64_t rec[2];
  cudaStream_t s = stream();
  // The checks are forgotten only once the record is read (a failed read keeps both).
  cuda_check(cudaMemcpyAsync(rec, index_error_.raw_data(), sizeof rec, cudaMemcpyDeviceToHost, s),
             "index check (read)");
  cuda_check(cudaStreamSynchronize(s), "index check (synchronize)");
  std::vector<IndexBounds> checks;
  checks.swap(index_checks_);
  const auto key = static_cast<unsigned long long>(rec[0]);
  if (key == kNoIndexError) return;
  cuda_check(cudaMemsetAsync(index_error_.raw_data(), 0xff, 2 * sizeof(int64_t), s), "index check (reset)");
  const size_t slot = static_cast<size_t>(key >> kPositionBits);
  const auto position = static_cast<int64_t>(key & ((1ull << kPositionBits) - 1));
  WEFT_CHECK(slot < checks.size(), Error, "index check: a record names check ", slot, " of ", checks.size());
  throw IndexError(index_error_message(checks[slot], position, rec[1]));
}

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
