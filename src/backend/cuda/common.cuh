// defines: device-side helpers shared by the CUDA kernels: grid sizing, the strided
// index walker (StridedArgs), warp/block reductions with a fixed tree, neg_inf.
// Included by .cu files only.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "cuda_backend.h"

namespace weft::cuda {

inline constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n elements (capped: the loop covers the rest).
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<int64_t>(b, 1, int64_t{1} << 20));
}

template <typename T>
__device__ __forceinline__ T neg_inf() {
  return -std::numeric_limits<T>::infinity();
}

// ---- strided walk: up to kMaxDims coalesced dims, byte strides per operand ----

inline constexpr int kMaxDims = 12;

template <int N>
struct StridedArgs {
  int nd = 0;
  int64_t shape[kMaxDims];
  int64_t bstride[N][kMaxDims];  // byte strides
  char* base[N];
  int64_t numel = 0;

  // Byte offsets of flat element i (row-major over shape) in every operand.
  __device__ __forceinline__ void offsets(int64_t i, int64_t (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = nd - 1; d >= 0; --d) {
      const int64_t idx = i % shape[d];
      i /= shape[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += idx * bstride[k][d];
    }
  }
};

// Drops size-1 dims and merges dims contiguous with each other in every operand
// (the CPU's for_each_strided does the same), so dense tensors walk one dim.
template <int N>
StridedArgs<N> make_strided(const Shape& shape, const std::array<const Tensor*, N>& ts) {
  StridedArgs<N> a;
  a.numel = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    a.numel *= shape[d];
    if (shape[d] == 1) continue;
    if (a.nd > 0) {
      bool merge = true;
      for (int k = 0; k < N; ++k)
        merge = merge && ts[k]->strides()[d] * shape[d] * static_cast<int64_t>(dtype_size(ts[k]->dtype())) ==
                             a.bstride[k][a.nd - 1];
      if (merge) {
        a.shape[a.nd - 1] *= shape[d];
        for (int k = 0; k < N; ++k)
          a.bstride[k][a.nd - 1] = ts[k]->strides()[d] * static_cast<int64_t>(dtype_size(ts[k]->dtype()));
        continue;
      }
    }
    WEFT_CHECK(a.nd < kMaxDims, ShapeError, "cuda: strided kernels support at most ", kMaxDims,
               " non-mergeable dims, got shape ", shape_str(shape));
    a.shape[a.nd] = shape[d];
    for (int k = 0; k < N; ++k)
      a.bstride[k][a.nd] = ts[k]->strides()[d] * static_cast<int64_t>(dtype_size(ts[k]->dtype()));
    ++a.nd;
  }
  for (int k = 0; k < N; ++k) a.base[k] = static_cast<char*>(ts[k]->raw_data());
  return a;
}

// op(ptrs) for every element; ptrs[k] points at operand k's element.
template <int N, typename Op>
__global__ void strided_kernel(StridedArgs<N> a, Op op) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < a.numel;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[N];
    a.offsets(i, off);
    char* p[N];
#pragma unroll
    for (int k = 0; k < N; ++k) p[k] = a.base[k] + off[k];
    op(p);
  }
}

template <int N, typename Op>
void launch_strided(cudaStream_t s, const Shape& shape, const std::array<const Tensor*, N>& ts, Op op,
                    const char* name) {
  const StridedArgs<N> a = make_strided<N>(shape, ts);
  if (a.numel == 0) return;
  strided_kernel<N, Op><<<grid_for(a.numel), kThreads, 0, s>>>(a, op);
  launch_check(name);
}

// ---- reductions with a fixed tree (deterministic for a fixed blockDim) ----

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename T>
__device__ __forceinline__ T warp_max(T v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const T w = __shfl_xor_sync(0xffffffffu, v, o);
    v = w > v ? w : v;
  }
  return v;
}

// Sum over the block; every thread gets the result. `scratch` holds 32 T.
// blockDim.x must be a multiple of 32.
template <typename T>
__device__ T block_sum(T v, T* scratch) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, nw = blockDim.x / 32;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  T r = lane < nw ? scratch[lane] : T(0);
  return warp_sum(r);
}

template <typename T>
__device__ T block_max(T v, T* scratch) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, nw = blockDim.x / 32;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  T r = lane < nw ? scratch[lane] : neg_inf<T>();
  return warp_max(r);
}

}  // namespace weft::cuda
