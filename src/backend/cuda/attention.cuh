// defines: the pieces shared by the CUDA attention kernels (attention_forward.cu,
// attention_backward.cu): head layouts, launch shapes, score and dropout helpers.
//
// FlashAttention-style (Dao 2023): scores are formed one tile of kTile keys (or
// queries) at a time from shared memory and never stored; the forward keeps a
// running max / sum per query row and saves only out and lse. One warp owns one
// row: lane c scores key (or query) c of the tile, then the warp accumulates the
// tile's contribution into per-lane registers holding channels lane, lane+32, ….
// The backward splits into a dQ pass (warp per query row) and a dK/dV pass (warp
// per key row), both recomputing P from lse, so no two warps ever add into the same
// output: deterministic, no atomics. Dropout masks are Philox draws at
// (bh·T + i)·T + j, the CPU kernel's counters: bit-identical masks.
#pragma once

#include "common.cuh"

namespace weft::cuda::attn {

inline constexpr int kWarps = 8;    // rows per block
inline constexpr int kTile = 32;    // keys/queries per shared-memory tile (= lanes)
inline constexpr int kMaxPer = 8;   // channels per lane: head_dim ≤ 256
inline constexpr int64_t kMaxHeadDim = 32 * kMaxPer;

// Where head (b, h) of a [B, H, T, D] operand lives: any strides over B, H and T,
// unit stride over D (so packed qkv views are read without copies, as on the CPU).
struct Head {
  int64_t sb = 0, sh = 0, st = 0, H = 1;
  __host__ __device__ int64_t head(int64_t bh) const { return (bh / H) * sb + (bh % H) * sh; }
};

inline Head head_of(const Tensor& t, const char* kernel, const char* arg) {
  WEFT_CHECK(t.dim() == 4, ShapeError, kernel, ": ", arg, " must be [B, H, T, D], got ", t.describe());
  WEFT_CHECK(t.shape()[3] <= 1 || t.strides()[3] == 1, DeviceError, kernel, ": ", arg,
             " needs unit stride along head_dim, got ", t.describe());
  WEFT_CHECK(t.device().is_cuda(), DeviceError, kernel, ": ", arg, " is not on a cuda device: ", t.describe());
  return {t.strides()[0], t.strides()[1], t.strides()[2], t.shape()[1]};
}

template <typename S>
struct Common {
  int64_t BH = 0, H = 1, T = 0, D = 0;  // T: sequence length
  S scale = 1;
  bool causal = true;
  const S* slopes = nullptr;  // [H] or null
  double drop = 0.0;
  PhiloxState state;
  int64_t row_blocks = 1;  // ceil(T / kWarps)
};

template <typename T>
Common<T> common_of(const Tensor& q, const AttentionParams& p) {
  Common<T> c;
  c.H = q.shape()[1];
  c.BH = q.shape()[0] * c.H;
  c.T = q.shape()[2];
  c.D = q.shape()[3];
  c.scale = static_cast<T>(p.scale);
  c.causal = p.causal;
  c.slopes = dptr<T>(p.alibi_slopes);
  c.drop = p.dropout;
  c.state = p.dropout_state;
  c.row_blocks = (c.T + kWarps - 1) / kWarps;
  WEFT_CHECK(c.D <= kMaxHeadDim, ShapeError, "attention on cuda supports head_dim ≤ ", kMaxHeadDim, ", got ",
             q.describe());
  return c;
}

// Shared memory: two [kTile, D+1] tiles (odd row pitch: lanes hit distinct banks)
// plus `rows` [kWarps, D] per-warp rows plus `extra` scalars.
template <typename T>
size_t smem_bytes(int64_t D, int rows, int extra) {
  return sizeof(T) * static_cast<size_t>(2 * kTile * (D + 1) + rows * kWarps * D + extra);
}

// Opts a kernel into more than the default 48 KiB of dynamic shared memory.
template <typename K>
void allow_smem(K kernel, size_t bytes, const char* name) {
  if (bytes > 48 * 1024)
    cuda_check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)),
               name);
}

template <typename T>
__device__ __forceinline__ T dot_row(const T* a, const T* b, int64_t D) {
  T s = 0;
  for (int64_t d = 0; d < D; ++d) s += a[d] * b[d];
  return s;
}

// Dropout keep decision of probability (bh, i, j): the CPU kernel's counter.
template <typename T>
__device__ __forceinline__ bool keeps(const Common<T>& c, int64_t bh, int64_t i, int64_t j) {
  return dropout_keeps(philox_uniform(c.state, static_cast<uint64_t>((bh * c.T + i) * c.T + j)), c.drop);
}

// Cooperative load of rows [r0, r0 + kTile) of a head into a [kTile, D+1] tile (zeros past T).
template <typename T>
__device__ __forceinline__ void load_tile(T* tile, const T* head, int64_t st, int64_t r0, int64_t Tn, int64_t D) {
  const int64_t ld = D + 1;
  for (int64_t e = threadIdx.x; e < kTile * D; e += blockDim.x) {
    const int64_t r = e / D, d = e % D, row = r0 + r;
    tile[r * ld + d] = row < Tn ? head[row * st + d] : T(0);
  }
}

}  // namespace weft::cuda::attn
