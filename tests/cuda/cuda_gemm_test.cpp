// cuBLAS matmul against OpenBLAS on the same inputs: plain, transposed views read in
// place, batched (uniform stride, broadcast stride 0, and a non-uniform view that
// takes the per-batch path), alpha/beta, empty contraction, odd sizes.
// Tolerance: f32 1e-5 relative to max |C| (no TF32), f64 1e-13.
#include <doctest/doctest.h>

#include <cmath>

#include "cuda_util.h"

using namespace weft;
using namespace weft::cuda_test;

namespace {

// max |x − y| over all elements; NaN anywhere gives NaN (so a <= check fails).
double test_max_abs_diff(const Tensor& x, const Tensor& y) {
  const auto a = x.to_vector<double>(), b = y.to_vector<double>();
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(a[i] - b[i]);
    if (std::isnan(d)) return d;
    if (d > m) m = d;
  }
  return m;
}

// C = alpha·A·B + beta·C0 on both backends; a and b are views of a_base / b_base.
void check_gemm(const Tensor& a_base, const Tensor& a, const Tensor& b_base, const Tensor& b, const Shape& out_shape,
                double alpha, double beta, const char* what, MatmulPrecision prec = MatmulPrecision::f32) {
  const DType dt = a.dtype();
  const double tol = dt == DType::f64 ? 1e-13 : 1e-5;
  Tensor c0 = randn(out_shape, 7, dt);
  Tensor cc = c0.clone(), cg = on_gpu(c0);
  Tensor ga_base = on_gpu(a_base), gb_base = on_gpu(b_base);
  cpu().gemm(a, b, cc, alpha, beta, prec);
  gpu().gemm(gpu_view(ga_base, a), gpu_view(gb_base, b), cg, alpha, beta, prec);
  if (prec == MatmulPrecision::f32 || dt != DType::f32) return check_close(cg, cc, tol, what);
  // tf32/bf16: the CPU rounds the inputs to nearest even, then runs the f32 GEMM;
  // cuBLAS's FAST_TF32/FAST_16BF convert on the fly and do not document their
  // rounding. The GPU result must be far closer to that emulation than the plain f32
  // product is (which also shows the inputs really were rounded).
  Tensor cf = c0.clone();
  cpu().gemm(a, b, cf, alpha, beta, MatmulPrecision::f32);
  const double d_emul = test_max_abs_diff(cg, cc), d_f32 = test_max_abs_diff(cf, cc);
  INFO(what << ": |cuda − rounded cpu| " << d_emul << ", |f32 − rounded cpu| " << d_f32);
  CHECK(d_f32 > 0);
  CHECK(d_emul <= 0.25 * d_f32 + 1e-6);
}

}  // namespace

TEST_SUITE("cuda_gemm") {
  TEST_CASE("2-D products with every transpose combination and odd sizes") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t M : {1, 7, 130})
        for (int64_t K : {1, 7, 130})
          for (int64_t N : {1, 64, 130}) {
            CAPTURE(M);
            CAPTURE(K);
            CAPTURE(N);
            Tensor a = randn({M, K}, 1, dt), b = randn({K, N}, 2, dt);
            Tensor at = randn({K, M}, 3, dt), bt = randn({N, K}, 4, dt);
            Tensor a_t = Tensor::make_view(at, {M, K}, {1, M}, 0), b_t = Tensor::make_view(bt, {K, N}, {1, K}, 0);
            check_gemm(a, a, b, b, {M, N}, 1.0, 0.0, "NN");
            check_gemm(at, a_t, b, b, {M, N}, 1.0, 0.0, "TN");
            check_gemm(a, a, bt, b_t, {M, N}, 0.5, 0.0, "NT");
            check_gemm(at, a_t, bt, b_t, {M, N}, 2.0, 1.0, "TT, beta 1");
          }
  }

  TEST_CASE("batched: uniform, broadcast (stride 0), non-uniform and sliced views") {
    for (DType dt : {DType::f32, DType::f64}) {
      Tensor a = randn({2, 3, 7, 130}, 5, dt), b = randn({2, 3, 130, 9}, 6, dt);
      check_gemm(a, a, b, b, {2, 3, 7, 9}, 1.0, 0.0, "uniform batch");
      Tensor w = randn({130, 9}, 8, dt);
      Tensor wb = Tensor::make_view(w, {2, 3, 130, 9}, {0, 0, 9, 1}, 0);
      check_gemm(a, a, w, wb, {2, 3, 7, 9}, 1.0, 0.0, "broadcast weight");
      // Heads of a [B, T, H, D] tensor as [B, H, T, D]: batch strides (T·H·D, D) do not collapse.
      Tensor qkv = randn({2, 7, 3, 16}, 9, dt);
      Tensor q = Tensor::make_view(qkv, {2, 3, 7, 16}, {7 * 3 * 16, 16, 3 * 16, 1}, 0);
      Tensor kt = Tensor::make_view(qkv, {2, 3, 16, 7}, {7 * 3 * 16, 16, 1, 3 * 16}, 0);
      check_gemm(qkv, q, qkv, kt, {2, 3, 7, 7}, 0.25, 0.0, "strided heads (per-batch path)");
    }
  }

  TEST_CASE("tf32 and bf16 inputs (f32 accumulation) match the CPU's exact emulation, every transpose") {
    for (MatmulPrecision prec : {MatmulPrecision::tf32, MatmulPrecision::bf16})
      for (int64_t M : {1, 7, 130})
        for (int64_t K : {7, 1024})
          for (int64_t N : {1, 130}) {
            CAPTURE(M);
            CAPTURE(K);
            CAPTURE(N);
            Tensor a = randn({M, K}, 11), b = randn({K, N}, 12), at = randn({K, M}, 13), bt = randn({N, K}, 14);
            Tensor a_t = Tensor::make_view(at, {M, K}, {1, M}, 0), b_t = Tensor::make_view(bt, {K, N}, {1, K}, 0);
            check_gemm(a, a, b, b, {M, N}, 1.0, 0.0, "NN", prec);
            check_gemm(at, a_t, b, b, {M, N}, 1.0, 0.0, "TN", prec);
            check_gemm(at, a_t, bt, b_t, {M, N}, 0.5, 1.0, "TT, beta 1", prec);
          }
    Tensor a = randn({2, 3, 7, 130}, 15), w = randn({130, 9}, 16);
    check_gemm(a, a, w, Tensor::make_view(w, {2, 3, 130, 9}, {0, 0, 9, 1}, 0), {2, 3, 7, 9}, 1.0, 0.0,
               "bf16, broadcast weight", MatmulPrecision::bf16);
  }

  TEST_CASE("empty contraction scales C by beta") {
    Tensor a = Tensor::empty({7, 0}), b = Tensor::empty({0, 5});
    check_gemm(a, a, b, b, {7, 5}, 1.0, 0.0, "K = 0, beta 0");
    check_gemm(a, a, b, b, {7, 5}, 1.0, 0.5, "K = 0, beta 0.5");
  }
}
