// The CPU gemm kernel (f32 on oneDNN, or OpenBLAS where sgemm_route.h says so;
// f64 on OpenBLAS): every transpose
// combination of strided views, batched and not, against an f64 reference
// computed here; beta = 0 must not read C (a NaN-filled output comes out
// finite); beta = 1 accumulates; the same call twice is bit-identical; and a
// planted NaN in an operand reaches the result (so these comparisons can fail).
// CTest runs the suite twice: as is, and as gemm_kernel_openblas with
// WEFT_SGEMM=openblas (every f32 product on OpenBLAS, the AVX2 route's other side).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "weft/backend/dispatch.h"
#include "weft/core/rng.h"
#include "weft/core/tensor.h"
#include "weft/ops/ops.h"
#include "../../src/backend/cpu/sgemm_route.h"

namespace {

using weft::DType;
using weft::Tensor;

// op(x) for a [.., r, c] tensor: a transposed *view* (strides swapped) when t.
Tensor op(const Tensor& x, bool t) {
  return t ? weft::transpose(x, x.dim() - 2, x.dim() - 1) : x;
}

// A [.., rows, cols] tensor whose value is x laid out so that op(·, t) reads it:
// t stores it as [.., cols, rows] and returns the transposed view.
Tensor operand(const Tensor& x, bool t) {
  return t ? op(weft::contiguous(op(x, true)), true) : x;
}

// The largest |got − want| / (1 + |want|) over every element; NaN is the maximum.
double worst(const Tensor& got, const std::vector<double>& want) {
  const std::vector<double> g = weft::contiguous(got).to_vector<double>();
  REQUIRE(g.size() == want.size());
  double w = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double e = std::fabs(g[i] - want[i]) / (1 + std::fabs(want[i]));
    if (!(e <= w)) w = std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
  }
  return w;
}

// alpha·A·B + beta·C in f64, for [batch, M, K] × [batch, K, N] contiguous values.
std::vector<double> reference(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& c,
                              int64_t batch, int64_t M, int64_t N, int64_t K, double alpha, double beta) {
  std::vector<double> out(static_cast<size_t>(batch * M * N));
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) s += a[(p * M + i) * K + k] * b[(p * K + k) * N + j];
        const size_t o = static_cast<size_t>((p * M + i) * N + j);
        out[o] = alpha * s + (beta == 0 ? 0.0 : beta * c[o]);
      }
  return out;
}

}  // namespace

TEST_SUITE("gemm_kernel") {
  TEST_CASE("every transpose of strided, batched operands matches an f64 reference; beta 0 ignores C") {
    weft::Backend& be = weft::backend_for(weft::Device::cpu());
    weft::Generator g(3);
    struct Size {
      int64_t batch, M, N, K;
    };
    for (DType dt : {DType::f32, DType::f64}) {
      for (Size s :
           {Size{1, 7, 5, 3}, Size{1, 64, 64, 32}, Size{3, 33, 17, 70}, Size{1, 130, 257, 129}, Size{4, 1, 9, 6}}) {
        // f32 accumulation error grows with K (AVX2 oneDNN kernels read 1.3e-5 at K = 129).
        const double tol = dt == DType::f32 ? 1e-5 * std::max(1.0, double(s.K) / 64.0) : 1e-12;
        for (int t = 0; t < 4; ++t) {
          const bool ta = t & 1, tb = t & 2;
          CAPTURE(s.M);
          CAPTURE(s.N);
          CAPTURE(s.K);
          CAPTURE(ta);
          CAPTURE(tb);
          CAPTURE(static_cast<int>(dt));
          Tensor a = Tensor::normal({s.batch, s.M, s.K}, 0, 1, dt, &g);
          Tensor b = Tensor::normal({s.batch, s.K, s.N}, 0, 1, dt, &g);
          Tensor c0 = Tensor::normal({s.batch, s.M, s.N}, 0, 1, dt, &g);
          const auto av = a.to_vector<double>(), bv = b.to_vector<double>(), cv = c0.to_vector<double>();
          Tensor A = operand(a, ta), B = operand(b, tb);
          if (s.M > 1 && s.K > 1) REQUIRE(A.is_contiguous() == !ta);  // a 1-row view is both
          // beta = 0 over a NaN-filled output: C must not be read.
          Tensor out = Tensor::full({s.batch, s.M, s.N}, std::numeric_limits<double>::quiet_NaN(), dt);
          be.gemm(A, B, out, 0.5, 0.0, weft::MatmulPrecision::f32);
          CHECK(worst(out, reference(av, bv, cv, s.batch, s.M, s.N, s.K, 0.5, 0.0)) <= tol);
          // beta = 1 accumulates onto C.
          Tensor acc = c0.clone();
          be.gemm(A, B, acc, 1.0, 1.0, weft::MatmulPrecision::f32);
          CHECK(worst(acc, reference(av, bv, cv, s.batch, s.M, s.N, s.K, 1.0, 1.0)) <= tol);
        }
      }
    }
  }

  TEST_CASE("the same product twice is bit-identical, and a NaN in an operand reaches the result") {
    weft::Backend& be = weft::backend_for(weft::Device::cpu());
    weft::Generator g(5);
    Tensor a = Tensor::normal({2048, 128}, 0, 1, DType::f32, &g);
    Tensor b = Tensor::normal({128, 512}, 0, 1, DType::f32, &g);
    Tensor x = Tensor::zeros({2048, 512}, DType::f32), y = Tensor::zeros({2048, 512}, DType::f32);
    be.gemm(a, b, x, 1.0, 0.0, weft::MatmulPrecision::f32);
    be.gemm(a, b, y, 1.0, 0.0, weft::MatmulPrecision::f32);
    CHECK(std::memcmp(x.raw_data(), y.raw_data(), static_cast<size_t>(x.numel()) * sizeof(float)) == 0);
    a.data<float>()[5 * 128 + 7] = std::numeric_limits<float>::quiet_NaN();
    be.gemm(a, b, y, 1.0, 0.0, weft::MatmulPrecision::f32);
    const std::vector<double> want = x.to_vector<double>();
    CHECK_FALSE(worst(y, want) <= 1.0);  // row 5 is NaN: the comparison must fail
    CHECK(std::isnan(y.to_vector<double>()[5 * 512 + 3]));
  }

  TEST_CASE("the f32 route: oneDNN with AVX-512; below it, OpenBLAS for the larger weight gradients only") {
    using weft::cpu::SgemmLibrary;
    using weft::cpu::SgemmPolicy;
    using weft::cpu::sgemm_route;
    const auto A = SgemmPolicy::automatic;
    // AVX-512: oneDNN for every shape.
    CHECK(sgemm_route(A, true, true, false, 1024, 256, 2048) == SgemmLibrary::onednn);
    // AVX2: xᵀ·g over 2048 rows with a 256×256 or larger output goes to OpenBLAS ...
    CHECK(sgemm_route(A, false, true, false, 1024, 256, 2048) == SgemmLibrary::openblas);
    CHECK(sgemm_route(A, false, true, false, 256, 256, 1024) == SgemmLibrary::openblas);
    CHECK(sgemm_route(A, false, true, false, 128, 512, 2048) == SgemmLibrary::openblas);
    // ... a smaller output, a short contraction, or another transpose stays on oneDNN.
    CHECK(sgemm_route(A, false, true, false, 128, 384, 2048) == SgemmLibrary::onednn);
    CHECK(sgemm_route(A, false, true, false, 1024, 256, 1023) == SgemmLibrary::onednn);
    CHECK(sgemm_route(A, false, true, false, 64, 32, 64) == SgemmLibrary::onednn);
    CHECK(sgemm_route(A, false, false, false, 2048, 1024, 256) == SgemmLibrary::onednn);
    CHECK(sgemm_route(A, false, false, true, 2048, 256, 1024) == SgemmLibrary::onednn);
    CHECK(sgemm_route(A, false, true, true, 1024, 256, 2048) == SgemmLibrary::onednn);
    // WEFT_SGEMM=onednn|openblas fixes the library whatever the shape and ISA.
    CHECK(sgemm_route(SgemmPolicy::openblas, true, false, false, 8, 8, 8) == SgemmLibrary::openblas);
    CHECK(sgemm_route(SgemmPolicy::onednn, false, true, false, 1024, 256, 2048) == SgemmLibrary::onednn);
  }
}
