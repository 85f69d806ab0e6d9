// CPU matmul: f32 on oneDNN (OpenBLAS where sgemm_route.h says so), f64 on OpenBLAS (blas.h). Transposed views are passed
// as Trans with the view's leading dimension, so a backward's Aᵀ·G reads A in place
// (no copy).
#include <omp.h>

#include "../../gemm_layout.h"
#include "../blas.h"
#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

void CpuBackend::gemm(const Tensor& a_in, const Tensor& b_in, Tensor& out, double alpha, double beta) {
  require_contiguous(out, "gemm", "out");
  const int64_t nd = out.dim();
  const int64_t M = out.shape()[nd - 2], N = out.shape()[nd - 1], K = a_in.shape()[nd - 1];
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
