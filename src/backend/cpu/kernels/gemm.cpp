// CPU matmul: f32 on oneDNN (OpenBLAS where sgemm_route.h says so), f64 on OpenBLAS (blas.h). Transposed views are passed
// as Trans with the view's leading dimension, so a backward's Aᵀ·G reads A in place
// (no copy). MatmulPrecision tf32/bf16 rounds the f32 inputs first (rounded_operand),
// which emulates a tensor core's input conversion exactly: the products of the
// rounded values are exact in f32 and the sum is the f32 GEMM's.
#include <omp.h>

#include <cstring>

#include "../../gemm_layout.h"
#include "../blas.h"
#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

namespace {

// f32 bits rounded to nearest even at `drop` fewer mantissa bits (bf16: 16, tf32: 13).
// Infinities stay; a NaN stays a (quiet) NaN; a finite value may round up to infinity.
inline uint32_t round_mantissa(uint32_t u, int drop) {
  const uint32_t mask = ~((uint32_t(1) << drop) - 1);
  if ((u & 0x7f800000u) == 0x7f800000u) return (u & 0x007fffffu) ? ((u | 0x00400000u) & mask) : u;
  u += ((uint32_t(1) << (drop - 1)) - 1) + ((u >> drop) & 1u);
  return u & mask;
}

// x rounded, in a buffer laid out like x: the span of storage x reads is copied and
// rounded, and the result has x's shape, strides and (relative) offset, so the GEMM
// reads it with the same transpose flags and leading dimensions (broadcast batch dims
// with stride 0 are not materialised).
Tensor rounded_operand(const Tensor& x, int drop) {
  int64_t span = 1;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (x.shape()[d] == 0) return x;
    WEFT_CHECK(x.strides()[d] >= 0, ShapeError, "matmul: negative strides are not supported, got ", x.describe());
    span += (x.shape()[d] - 1) * x.strides()[d];
  }
  Tensor buf = Tensor::empty({span}, DType::f32, Device::cpu());
  const uint32_t* src = static_cast<const uint32_t*>(x.raw_data());
  uint32_t* dst = static_cast<uint32_t*>(buf.raw_data());
#pragma omp parallel for simd schedule(static) if (span > kParallelGrain)
  for (int64_t i = 0; i < span; ++i) dst[i] = round_mantissa(src[i], drop);
  return Tensor::make_view(buf, x.shape(), x.strides(), 0);
}

int dropped_bits(MatmulPrecision p) {
  switch (p) {
    case MatmulPrecision::tf32: return 13;
    case MatmulPrecision::bf16: return 16;
    case MatmulPrecision::f32: break;
  }
  return 0;
}

}  // namespace

void CpuBackend::gemm(const Tensor& a_in, const Tensor& b_in, Tensor& out, double alpha, double beta,
                      MatmulPrecision precision) {
  require_contiguous(out, "gemm", "out");
  const int64_t nd = out.dim();
  const int64_t M = out.shape()[nd - 2], N = out.shape()[nd - 1], K = a_in.shape()[nd - 1];
  Tensor a = a_in, b = b_in;
  if (const int drop = dropped_bits(precision); drop > 0 && out.dtype() == DType::f32) {
    if (a.dtype() == DType::f32) a = rounded_operand(a, drop);
    if (b.dtype() == DType::f32) b = rounded_operand(b, drop);
  }
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
  dispatch_floating(out.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    const T* ab = static_cast<const T*>(a.raw_data());
    const T* bb = static_cast<const T*>(b.raw_data());
    T* cb = out.data<T>();
    auto batch_offset = [&](const Tensor& t, int64_t bi) {
      int64_t off = 0;
      for (int64_t d = nd - 3; d >= 0; --d) {
        off += (bi % out.shape()[d]) * t.strides()[d];
        bi /= out.shape()[d];
      }
      return off;
    };
    auto one = [&](int64_t bi) {
      blas_gemm<T>(la.trans, lb.trans, M, N, K, static_cast<T>(alpha), ab + batch_offset(a, bi), la.ld,
                   bb + batch_offset(b, bi), lb.ld, static_cast<T>(beta), cb + bi * M * N, N);
    };
    // Many small products: one per thread (the BLAS runs single-threaded inside a
    // parallel region). Few large ones: let the BLAS thread each product.
    const bool small = M * N * K < (1 << 18);
    if (batch > 1 && small && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(static)
      for (int64_t bi = 0; bi < batch; ++bi) one(bi);
    } else {
      for (int64_t bi = 0; bi < batch; ++bi) one(bi);
    }
  });
}

}  // namespace weft::cpu
