// defines: blas_gemm (and openblas_gemm) — one row-major gemm call for f32/f64, shared by the matmul
// and attention kernels; an empty contraction (K = 0) scales C by beta.
//
// f32 runs on oneDNN's dnnl_sgemm (or OpenBLAS where sgemm_route.h says so), f64 on
// OpenBLAS's cblas_dgemm. oneDNN picks its
// kernels by the CPU's own features (AVX2, AVX-512, AMX) at run time, where
// OpenBLAS 0.3.21 (Debian 12) takes an AVX-512 Zen for a Haswell and runs 256-bit
// kernels; on the 51 GEMMs + 5,376 attention tiles of one recipes/bench/tiny.yaml
// step (scripts/gemm_study.sh) oneDNN needs 0.46× OpenBLAS's time on such a
// machine and 0.89× (2 threads) to 0.97× (1 thread) on an AVX2 build (issue 15's study, which also measured
// libxsmm: fastest on small NN tiles, but no transposed operands in 1.17 and wrong
// results on two TN shapes). Both are deterministic for a given thread count: the
// work split depends on the shape and the threads only. Inside an OpenMP parallel
// region each runs single-threaded (the attention tiles, batched small products).
#pragma once

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "sgemm_route.h"

namespace weft::cpu {

// OpenBLAS's own beta = 0 pass over C costs 3-6% of a small-model step at 2
// threads; zeroing C here and accumulating onto it (beta = 1) costs far less and
// gives the same bits (C = 0 + A·B either way, and NaN in C stays out).
template <typename T>
void openblas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* a, int64_t lda, const T* b,
                   int64_t ldb, T beta, T* c, int64_t ldc) {
  if (beta == T(0)) {
    for (int64_t i = 0; i < M; ++i) std::memset(c + i * ldc, 0, sizeof(T) * static_cast<size_t>(N));
    beta = T(1);
  }
  const auto TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    cblas_dgemm(CblasRowMajor, TA, TB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <typename T>
void blas_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* c, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (sgemm_library(ta, tb, M, N, K) == SgemmLibrary::openblas)
      return openblas_gemm(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
    // beta = 0 never reads C (NaN in C stays out of the result), as cblas.
    const dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
    if (st != dnnl_success)
      throw std::runtime_error("dnnl_sgemm failed (status " + std::to_string(static_cast<int>(st)) + ") on " +
                               std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K));
  } else {
    openblas_gemm(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace weft::cpu
