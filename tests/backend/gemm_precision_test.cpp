// train.precision on the CPU: tf32 / bf16 GEMMs round their f32 inputs to nearest
// even (10 / 7 explicit mantissa bits) and then run the f32 GEMM, which is what a
// tensor core computes. The rounding is checked element by element against an
// independent f64 formulation (ties, carries into the exponent, NaN, infinities);
// every transpose and a broadcast batch against an f64 reference of the rounded
// inputs; matmul/linear's backward GEMMs use the forward's precision; f64 ignores
// the setting. A planted NaN must reach the result.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "weft/backend/dispatch.h"
#include "weft/ops/ops.h"
#include "../support/test_util.h"

namespace {

using namespace weft;

// x rounded to nearest even on the f32 grid with `bits` significant bits (the
// implicit one included), computed in f64: the quantum is 2^(e − bits + 1) for
// |x| in [2^e, 2^(e+1)), with e floored at −126 where f32 goes subnormal (there
// the quantum is fixed, as for the bits of a subnormal). Large values may round
// up to infinity, as a bf16 conversion does.
double round_significand(double x, int bits) {
  if (!std::isfinite(x) || x == 0) return x;
  int e = 0;
  (void)std::frexp(x, &e);  // |x| in [2^(e−1), 2^e)
  const int q = std::max(e - 1, -126) - (bits - 1);
  const double r = std::nearbyint(std::ldexp(x, -q));  // the default rounding mode: ties to even
  return static_cast<double>(static_cast<float>(std::ldexp(r, q)));
}

int significant_bits(MatmulPrecision p) { return p == MatmulPrecision::bf16 ? 8 : p == MatmulPrecision::tf32 ? 11 : 24; }

// a [M, K] · b [K, N] from value vectors, each input rounded first, in f64.
std::vector<double> rounded_product(const std::vector<double>& a, const std::vector<double>& b, int64_t M, int64_t K,
                                    int64_t N, int bits) {
  std::vector<double> out(size_t(M * N), 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += round_significand(a[size_t(i * K + k)], bits) * round_significand(b[size_t(k * N + j)], bits);
      out[size_t(i * N + j)] = s;
    }
  return out;
}

// max |got − want| / (1 + |want|); NaN anywhere gives NaN.
double rel_err(const Tensor& got, const std::vector<double>& want) {
  const std::vector<double> g = contiguous(got).to_vector<double>();
  REQUIRE(g.size() == want.size());
  double w = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double e = std::fabs(g[i] - want[i]) / (1 + std::fabs(want[i]));
    if (std::isnan(e)) return e;
    if (e > w) w = e;
  }
  return w;
}

Tensor gemm_of(const Tensor& a, const Tensor& b, const Shape& out_shape, MatmulPrecision p) {
  Tensor out = Tensor::empty(out_shape, a.dtype());
  backend_for(Device::cpu()).gemm(a, b, out, 1.0, 0.0, p);
  return out;
}

float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

TEST_SUITE("gemm_precision") {
  TEST_CASE("a 1×1 product returns the rounded input: ties to even, carries, NaN and infinities") {
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> xs = {1.0f, 1.0f + 0x1p-8f /* bf16 tie: stays 1 */, 1.0f + 0x3p-8f /* tie: up */,
                                   1.0f + 0x1p-9f, -1.0f - 0x1.8p-8f, 0x1.fffp0f /* carries to 2 */,
                                   bits_to_float(0x7f7fffffu) /* FLT_MAX: rounds to inf in bf16 */,
                                   1e-40f /* subnormal */, -0.0f, inf, -inf, 3.14159265f, 1.0f + 0x1p-11f /* tf32 tie */,
                                   1.0f + 0x3p-11f};
    for (MatmulPrecision p : {MatmulPrecision::tf32, MatmulPrecision::bf16, MatmulPrecision::f32}) {
      CAPTURE(matmul_precision_name(p));
      for (float x : xs) {
        CAPTURE(x);
        Tensor a = Tensor::from_vector(std::vector<float>{x}, {1, 1});
        Tensor one = Tensor::from_vector(std::vector<float>{1.0f}, {1, 1});
        const double got = gemm_of(a, one, {1, 1}, p).item();
        const double want = round_significand(double(x), significant_bits(p));
        CHECK((got == want || (std::isnan(got) && std::isnan(want))));
      }
      Tensor nan = Tensor::from_vector(std::vector<float>{std::nanf("")}, {1, 1});
      CHECK(std::isnan(gemm_of(nan, nan, {1, 1}, p).item()));
    }
    // The rounding really happens: bf16 keeps 8 significant bits.
    Tensor a = Tensor::from_vector(std::vector<float>{1.0f + 0x1p-9f}, {1, 1});
    CHECK(gemm_of(a, a, {1, 1}, MatmulPrecision::bf16).item() == 1.0);
    CHECK(gemm_of(a, a, {1, 1}, MatmulPrecision::f32).item() != 1.0);
  }

  TEST_CASE("every transpose, strided and broadcast views: the f32 GEMM of the rounded inputs") {
    for (MatmulPrecision p : {MatmulPrecision::tf32, MatmulPrecision::bf16}) {
      CAPTURE(matmul_precision_name(p));
      for (auto [M, K, N] : {std::array<int64_t, 3>{1, 7, 1}, {7, 130, 9}, {64, 300, 65}}) {
        CAPTURE(M);
        CAPTURE(K);
        CAPTURE(N);
        Tensor a = test::randn({M, K}, 1, DType::f32), b = test::randn({K, N}, 2, DType::f32);
        const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
        const std::vector<double> want = rounded_product(av, bv, M, K, N, significant_bits(p));
        // K·2^−24 relative: the f32 accumulation of exact products.
        const double tol = 4e-7 * double(K);
        for (bool ta : {false, true})
          for (bool tb : {false, true}) {
            CAPTURE(ta);
            CAPTURE(tb);
            Tensor ao = ta ? transpose(contiguous(transpose(a, 0, 1)), 0, 1) : a;
            Tensor bo = tb ? transpose(contiguous(transpose(b, 0, 1)), 0, 1) : b;
            const double e = rel_err(gemm_of(ao, bo, {M, N}, p), want);
            CHECK(!(e > tol));
            CHECK(!std::isnan(e));
          }
        // ... and differs from the plain f32 product (input rounding of 2^−11 or
        // 2^−8 relative against an accumulation error near 1e−6).
        const double f32_err = rel_err(gemm_of(a, b, {M, N}, MatmulPrecision::f32), want);
        CHECK(f32_err > 1e-5);
      }
      // A weight broadcast over a batch (stride 0) and heads sliced out of one tensor.
      Tensor x = test::randn({2, 3, 5, 40}, 3, DType::f32), w = test::randn({40, 6}, 4, DType::f32);
      Tensor wb = Tensor::make_view(w, {2, 3, 40, 6}, {0, 0, 6, 1}, 0);
      Tensor out = gemm_of(x, wb, {2, 3, 5, 6}, p);
      const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
      for (int64_t bi = 0; bi < 6; ++bi) {
        std::vector<double> xs(xv.begin() + bi * 200, xv.begin() + (bi + 1) * 200);
        const std::vector<double> want = rounded_product(xs, wv, 5, 40, 6, significant_bits(p));
        const double e = rel_err(narrow(reshape(out, {6, 5, 6}), 0, bi, 1), want);
        CHECK(!(e > 4e-7 * 40));
      }
    }
  }

  TEST_CASE("a planted NaN reaches the result; f64 ignores the precision") {
    Tensor a = test::randn({4, 8}, 5, DType::f32), b = test::randn({8, 3}, 6, DType::f32);
    std::vector<float> av = a.to_vector<float>();
    av[9] = std::nanf("");
    Tensor an = Tensor::from_vector(av, {4, 8});
    const std::vector<double> got = gemm_of(an, b, {4, 3}, MatmulPrecision::bf16).to_vector<double>();
    CHECK(std::isnan(got[3]));  // row 1
    CHECK(!std::isnan(got[0]));
    Tensor a64 = test::randn({5, 7}, 7), b64 = test::randn({7, 4}, 8);
    CHECK(test::bitwise_equal(gemm_of(a64, b64, {5, 4}, MatmulPrecision::bf16),
                              gemm_of(a64, b64, {5, 4}, MatmulPrecision::f32)));
  }

  TEST_CASE("matmul and linear: forward and backward GEMMs all take the forward's precision") {
    const int64_t M = 6, K = 50, N = 5;
    Tensor a = test::randn({M, K}, 9, DType::f32), b = test::randn({K, N}, 10, DType::f32);
    Tensor g = test::randn({M, N}, 11, DType::f32), bias = test::randn({N}, 12, DType::f32);
    const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>(), gv = g.to_vector<double>();
    // References: y = r(a)·r(b); da = r(g)·r(b)ᵀ; db = r(a)ᵀ·r(g).
    std::vector<double> bt(size_t(K * N)), at(size_t(K * M));
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t n = 0; n < N; ++n) bt[size_t(n * K + k)] = bv[size_t(k * N + n)];
      for (int64_t m = 0; m < M; ++m) at[size_t(k * M + m)] = av[size_t(m * K + k)];
    }
    const std::vector<double> y_ref = rounded_product(av, bv, M, K, N, 8);
    const std::vector<double> da_ref = rounded_product(gv, bt, M, N, K, 8);
    const std::vector<double> db_ref = rounded_product(at, gv, K, M, N, 8);
    for (bool use_linear : {false, true}) {
      CAPTURE(use_linear);
      Tensor ap = a.detach(), bp = b.detach(), cp = bias.detach();
      ap.set_requires_grad(true);
      bp.set_requires_grad(true);
      cp.set_requires_grad(true);
      Tensor y;
      {
        ScopedMatmulPrecision scope(MatmulPrecision::bf16);
        y = use_linear ? linear(ap, bp, cp) : matmul(ap, bp);
      }
      // The backward runs after the scope: it still uses bf16, the forward's precision.
      CHECK(matmul_precision() == MatmulPrecision::f32);
      sum(mul(y, g)).backward();
      std::vector<double> y_want = y_ref;
      if (use_linear)
        for (int64_t i = 0; i < M * N; ++i) y_want[size_t(i)] += bias.to_vector<double>()[size_t(i % N)];
      CHECK(!(rel_err(y, y_want) > 1e-5));
      CHECK(!(rel_err(ap.grad(), da_ref) > 1e-5));
      CHECK(!(rel_err(bp.grad(), db_ref) > 1e-5));
    }
  }

  TEST_CASE("precision names") {
    CHECK(parse_matmul_precision("bf16") == MatmulPrecision::bf16);
    CHECK(parse_matmul_precision("tf32") == MatmulPrecision::tf32);
    CHECK(parse_matmul_precision("f32") == MatmulPrecision::f32);
    CHECK_THROWS_WITH_AS(parse_matmul_precision("fp16"), doctest::Contains("expected f32, tf32 or bf16"), ValueError);
  }
}
