// CUDA reductions (sum/max/min over any set of dims of a strided input) and cumsum.
// Every output is produced by one thread walking its inputs in the CPU's order, or
// — when there are few outputs with long reductions — by one block with a fixed
// tree; both orders depend only on the shapes, never on timing (no atomics).
#include <type_traits>

#include "common.cuh"

namespace weft::cuda {

namespace {

struct ReducePlan {
  int no = 0, ni = 0;                       // kept / reduced dims (size > 1 only)
  int64_t osh[kMaxDims], ost_x[kMaxDims], ost_o[kMaxDims];
  int64_t ish[kMaxDims], ist[kMaxDims];
  int64_t n_out = 1, n_in = 1;
};

template <typename Acc>
__device__ __forceinline__ Acc reduce_init(ReduceOp op) {
  if (op == ReduceOp::sum) return Acc(0);
  if constexpr (std::is_floating_point_v<Acc>)
    return op == ReduceOp::max ? -std::numeric_limits<Acc>::infinity() : std::numeric_limits<Acc>::infinity();
  else
    return op == ReduceOp::max ? std::numeric_limits<Acc>::lowest() : std::numeric_limits<Acc>::max();
}

// NaN propagates through max/min, as on the CPU.
template <typename Acc>
__device__ __forceinline__ Acc combine(ReduceOp op, Acc a, Acc v) {
  switch (op) {
    case ReduceOp::sum: return a + v;
    case ReduceOp::max: return (v > a || v != v) ? v : a;
    case ReduceOp::min: return (v < a || v != v) ? v : a;
  }
  return a;
}

__device__ __forceinline__ void out_offsets(const ReducePlan& p, int64_t o, int64_t& xoff, int64_t& ooff) {
  xoff = 0;
  ooff = 0;
  for (int d = p.no - 1; d >= 0; --d) {
    const int64_t i = o % p.osh[d];
    o /= p.osh[d];
    xoff += i * p.ost_x[d];
    ooff += i * p.ost_o[d];
  }
}

__device__ __forceinline__ int64_t in_offset(const ReducePlan& p, int64_t r) {
  int64_t off = 0;
  for (int d = p.ni - 1; d >= 0; --d) {
    off += (r % p.ish[d]) * p.ist[d];
    r /= p.ish[d];
  }
  return off;
}

// One thread per output; reduced elements in row-major order (the CPU's order).
template <typename T, typename Acc>
__global__ void reduce_thread_kernel(const T* x, T* out, ReducePlan p, ReduceOp op) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < p.n_out; o += int64_t(gridDim.x) * blockDim.x) {
    int64_t xoff, ooff;
    out_offsets(p, o, xoff, ooff);
    Acc acc = reduce_init<Acc>(op);
    int64_t idx[kMaxDims] = {0};
    const int64_t inner_n = p.ni ? p.ish[p.ni - 1] : 1, inner_s = p.ni ? p.ist[p.ni - 1] : 0;
    const int64_t outer_in = inner_n ? p.n_in / inner_n : 0;  // an empty reduced dim sums nothing
    for (int64_t r = 0; r < outer_in; ++r) {
      int64_t off = xoff;
      for (int d = 0; d < p.ni - 1; ++d) off += idx[d] * p.ist[d];
      for (int64_t j = 0; j < inner_n; ++j) acc = combine(op, acc, static_cast<Acc>(x[off + j * inner_s]));
      for (int d = p.ni - 2; d >= 0; --d) {
        if (++idx[d] < p.ish[d]) break;
        idx[d] = 0;
      }
    }
    out[ooff] = static_cast<T>(acc);
  }
}

// One block per output: strided partials per thread, then a fixed shuffle tree.
template <typename T, typename Acc>
__global__ void reduce_block_kernel(const T* x, T* out, ReducePlan p, ReduceOp op) {
  __shared__ Acc scratch[32];
  for (int64_t o = blockIdx.x; o < p.n_out; o += gridDim.x) {
    int64_t xoff, ooff;
    out_offsets(p, o, xoff, ooff);
    Acc acc = reduce_init<Acc>(op);
    for (int64_t r = threadIdx.x; r < p.n_in; r += blockDim.x)
      acc = combine(op, acc, static_cast<Acc>(x[xoff + in_offset(p, r)]));
#pragma unroll
    for (int s = 16; s > 0; s >>= 1) acc = combine(op, acc, __shfl_xor_sync(0xffffffffu, acc, s));
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();
    if (lane == 0) scratch[warp] = acc;
    __syncthreads();
    if (warp == 0) {
      Acc v = lane < int(blockDim.x / 32) ? scratch[lane] : reduce_init<Acc>(op);
#pragma unroll
      for (int s = 16; s > 0; s >>= 1) v = combine(op, v, __shfl_xor_sync(0xffffffffu, v, s));
      if (lane == 0) out[ooff] = static_cast<T>(v);
    }
  }
}

template <typename T>
__global__ void cumsum_kernel(const T* x, T* o, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < outer * inner;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t a = e / inner, c = e % inner;
    const T* xa = x + a * n * inner + c;
    T* oa = o + a * n * inner + c;
    T acc = xa[0];
    oa[0] = acc;
    for (int64_t i = 1; i < n; ++i) {
      acc = acc + xa[i * inner];
      oa[i * inner] = acc;
    }
  }
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, const Tensor& x, Tensor& out) {
  require_contiguous(out, "reduce", "out");
  cudaStream_t s = stream();
  ReducePlan p;
  const Strides ostr = out.strides();
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t n = x.shape()[d];
    if (n == 1) continue;
    WEFT_CHECK(p.no < kMaxDims && p.ni < kMaxDims, ShapeError, "reduce: too many dims for cuda: ", x.describe());
    if (out.shape()[d] == 1) {
      p.ish[p.ni] = n;
      p.ist[p.ni++] = x.strides()[d];
      p.n_in *= n;
    } else {
      p.osh[p.no] = n;
      p.ost_x[p.no] = x.strides()[d];
      p.ost_o[p.no++] = ostr[d];
      p.n_out *= n;
    }
  }
  if (x.numel() == 0 && out.numel() == 0) return;
  dispatch_all(x.dtype(), "reduce", [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
    const T* xb = dptr<T>(x);
    T* ob = dptr<T>(out);
    // Long reductions over few outputs (bias gradients, full sums) get a block each.
    if (p.n_in >= 2048 && p.n_out <= 65536) {
      reduce_block_kernel<T, Acc><<<static_cast<unsigned>(p.n_out), kThreads, 0, s>>>(xb, ob, p, op);
    } else {
      reduce_thread_kernel<T, Acc><<<grid_for(p.n_out), kThreads, 0, s>>>(xb, ob, p, op);
    }
    launch_check("reduce");
  });
}

void CudaBackend::cumsum(const Tensor& x, int dim, Tensor& out) {
  require_contiguous(x, "cumsum", "x");
  require_contiguous(out, "cumsum", "out");
  cudaStream_t s = stream();
  dispatch_all(x.dtype(), "cumsum", [&](auto tag) {
    using T = decltype(tag);
    int64_t outer = 1, inner = 1;
    const int64_t n = x.shape()[dim];
    for (int d = 0; d < dim; ++d) outer *= x.shape()[d];
    for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.shape()[d];
    if (outer * inner == 0 || n == 0) return;
    cumsum_kernel<T><<<grid_for(outer * inner), kThreads, 0, s>>>(dptr<T>(x), dptr<T>(out), outer, n, inner);
    launch_check("cumsum");
  });
}

}  // namespace weft::cuda
