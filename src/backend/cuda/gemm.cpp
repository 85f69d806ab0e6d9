// CUDA matmul on cuBLAS. cuBLAS is column-major; a row-major C = A·B is the
// column-major Cᵀ = Bᵀ·Aᵀ, so the operands swap places and each keeps the
// transpose flag and leading dimension its view already has: a transposed view
// (a backward's Aᵀ·G) is read in place, as on the CPU. Batches whose leading dims
// collapse to one stride per operand (contiguous, broadcast with stride 0, or any
// uniform view) go through one strided-batched call. f32 computes in f32 (no TF32)
// unless the precision says otherwise: tf32 and bf16 are cuBLAS's tensor-core compute
// types CUBLAS_COMPUTE_32F_FAST_TF32 / _FAST_16BF, which round the f32 inputs on the
// fly and accumulate in f32 (no bf16 copy of the operands is stored); f64 computes in
// f64; bf16 tensors accumulate in f32.
#include <algorithm>
#include <optional>

#include "../gemm_layout.h"
#include "cuda_backend.h"

namespace weft::cuda {

namespace {

// Element offset of batch `bi` (row-major over out's batch dims) in `t`.
int64_t batch_offset(const Tensor& t, const Tensor& out, int64_t nd, int64_t bi) {
  int64_t off = 0;
  for (int64_t d = nd - 3; d >= 0; --d) {
    off += (bi % out.shape()[d]) * t.strides()[d];
    bi /= out.shape()[d];
  }
  return off;
}

// The one stride between consecutive batches, if the batch dims collapse to one:
// each non-trivial dim's stride is the next-inner one's stride times its size.
std::optional<int64_t> uniform_batch_stride(const Tensor& t, const Tensor& out, int64_t nd) {
  bool first = true;
  int64_t stride = 0, expect = 0;
  for (int64_t d = nd - 3; d >= 0; --d) {
    const int64_t n = out.shape()[d];
    if (n == 1) continue;
    if (first) {
      stride = t.strides()[d];
      first = false;
    } else if (t.strides()[d] != expect) {
      return std::nullopt;
    }
    expect = t.strides()[d] * n;
  }
  return stride;
}

cudaDataType_t blas_type(DType t) {
  switch (t) {
    case DType::f32: return CUDA_R_32F;
    case DType::f64: return CUDA_R_64F;
    case DType::bf16: return CUDA_R_16BF;
    case DType::f16: return CUDA_R_16F;
    default: break;
  }
  throw DTypeError(detail::concat("matmul: dtype ", dtype_name(t), " is not supported on cuda"));
}

cublasComputeType_t compute_type(DType t, MatmulPrecision p) {
  if (t == DType::f64) return CUBLAS_COMPUTE_64F;
  if (t != DType::f32) return CUBLAS_COMPUTE_32F;
  switch (p) {
    case MatmulPrecision::tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case MatmulPrecision::bf16: return CUBLAS_COMPUTE_32F_FAST_16BF;
    case MatmulPrecision::f32: break;
  }
  return CUBLAS_COMPUTE_32F;
}

}  // namespace

void CudaBackend::gemm(const Tensor& a_in, const Tensor& b_in, Tensor& out, double alpha, double beta,
                       MatmulPrecision precision) {
  require_contiguous(out, "gemm", "out");
  const int64_t nd = out.dim();
  const int64_t M = out.shape()[nd - 2], N = out.shape()[nd - 1], K = a_in.shape()[nd - 1];
  WEFT_CHECK(a_in.dtype() == out.dtype() && b_in.dtype() == out.dtype(), DTypeError, "matmul: dtypes differ: ",
             a_in.describe(), " @ ", b_in.describe(), " -> ", out.describe());
  Tensor a = a_in, b = b_in;
  MatLayout la = layout_of(M, K, a.strides()[nd - 2], a.strides()[nd - 1]);
  if (!la.ok) {
    a = a.clone();
    la = layout_of(M, K, a.strides()[nd - 2], a.strides()[nd - 1]);
  }
  MatLayout lb = layout_of(K, N, b.strides()[nd - 2], b.strides()[nd - 1]);
  if (!lb.ok) {
    b = b.clone();
    lb = layout_of(K, N, b.strides()[nd - 2], b.strides()[nd - 1]);
  }
  int64_t batch = 1;
  for (int64_t d = 0; d < nd - 2; ++d) batch *= out.shape()[d];
  if (batch == 0 || M == 0 || N == 0) return;
  cublasHandle_t h = blas();
  const cudaDataType_t dt = blas_type(out.dtype());
  const size_t es = dtype_size(out.dtype());
  char* cb = static_cast<char*>(out.raw_data());
  if (K == 0) {  // empty contraction: C = beta·C
    if (beta == 0.0) {
      cuda_check(cudaMemsetAsync(cb, 0, out.nbytes(), stream()), "matmul (K = 0)");
    } else {
      Tensor scaled = Tensor::full(out.shape(), beta, out.dtype(), device());
      binary(BinaryOp::mul, out.clone(), scaled, out);
    }
    return;
  }
  const bool f64 = out.dtype() == DType::f64;
  const cublasComputeType_t ct = compute_type(out.dtype(), precision);
  // alpha/beta in the compute type's precision.
  const double ad = alpha, bd = beta;
  const float af = static_cast<float>(alpha), bf = static_cast<float>(beta);
  const void* pa = f64 ? static_cast<const void*>(&ad) : static_cast<const void*>(&af);
  const void* pb = f64 ? static_cast<const void*>(&bd) : static_cast<const void*>(&bf);
  const cublasOperation_t op_b = lb.trans ? CUBLAS_OP_T : CUBLAS_OP_N, op_a = la.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const char* ab = static_cast<const char*>(a.raw_data());
  const char* bb = static_cast<const char*>(b.raw_data());
  WEFT_CHECK(M <= INT32_MAX && N <= INT32_MAX && K <= INT32_MAX && la.ld <= INT32_MAX && lb.ld <= INT32_MAX, ShapeError,
             "matmul: dimensions exceed cuBLAS's 32-bit range: ", a.describe(), " @ ", b.describe());
  const int m = static_cast<int>(N), n = static_cast<int>(M), k = static_cast<int>(K);
  const auto sa = uniform_batch_stride(a, out, nd), sb = uniform_batch_stride(b, out, nd);
  if (sa && sb) {
    cublas_check(cublasGemmStridedBatchedEx(h, op_b, op_a, m, n, k, pa, bb, dt, static_cast<int>(lb.ld), *sb, ab, dt,
                                            static_cast<int>(la.ld), *sa, pb, cb, dt, static_cast<int>(N), M * N,
                                            static_cast<int>(batch), ct, CUBLAS_GEMM_DEFAULT),
                 "cublasGemmStridedBatchedEx");
    return;
  }
  for (int64_t bi = 0; bi < batch; ++bi) {
    cublas_check(cublasGemmEx(h, op_b, op_a, m, n, k, pa, bb + batch_offset(b, out, nd, bi) * es, dt,
                              static_cast<int>(lb.ld), ab + batch_offset(a, out, nd, bi) * es, dt,
                              static_cast<int>(la.ld), pb, cb + bi * M * N * es, dt, static_cast<int>(N), ct,
                              CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx");
  }
}

}  // namespace weft::cuda
