// The f32 CPU path runs exp/log/tanh/erf packed (backend/vector_math.h: SLEEF
// and A&S erf); check them, and the activations built on them, against the f64
// library path in ulps, forward and backward, and check that a NaN anywhere
// fails the comparison instead of hiding in it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "../support/test_util.h"
#include "weft/backend/scalar_math.h"
#include "weft/ops/ops.h"

using namespace weft;

namespace {

// Error of the f32 result a against the f64 reference b, in units of the f32
// spacing at max(|b|, ref): below ref (near zero crossings and in underflowing
// tails, where ulps of a tiny reference mean nothing) the error is measured
// against the spacing at ref. NaN unless both are NaN.
double ulp_error(double a, double b, double ref) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0.0 : NAN;
  if (a == b) return 0.0;  // also equal infinities
  const double mag = std::abs(b) > ref ? std::abs(b) : ref;  // b is not NaN here
  const float fb = static_cast<float>(mag);
  const double ulp = static_cast<double>(std::nextafter(fb, INFINITY)) - static_cast<double>(fb);
  return std::abs(a - b) / ulp;
}

// The worst error over the elements; NaN if any error is NaN (never std::max).
double worst_ulp(const std::vector<double>& a, const std::vector<double>& b, double ref) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = ulp_error(a[i], b[i], ref);
    if (std::isnan(e)) return e;
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

Tensor grid(double lo, double hi, double step) {
  std::vector<double> xs;
  for (double x = lo; x <= hi; x += step) xs.push_back(x);
  return Tensor::from_vector(xs, {static_cast<int64_t>(xs.size())}).to(DType::f32);
}

struct Fn {
  const char* name;
  Tensor (*f)(const Tensor&);
  double max_ulp;       // forward, vs f64 on the same f32 inputs
  double max_ulp_grad;  // backward
  double ref;           // forward: magnitude below which ulps are those of ref (see ulp_error)
  double ref_grad;      // backward: the derivatives cancel (1 − tanh², σ(1 − σ)), so ulps of 1
};

// Bounds: SLEEF exp/log ≤ 1 ulp and tanh ≤ 3.5 ulp, plus the rounding of the
// f32 arithmetic around them; erf is A&S 7.1.26 (absolute 1.5e-7).
const Fn kFns[] = {
    {"exp", [](const Tensor& t) { return exp(t); }, 1, 1, 0, 0},
    {"tanh", [](const Tensor& t) { return tanh(t); }, 4, 4, 1e-3, 1},
    {"sigmoid", [](const Tensor& t) { return sigmoid(t); }, 4, 4, 1e-3, 1},
    {"silu", [](const Tensor& t) { return silu(t); }, 4, 16, 1e-3, 1},
    // GELU's 1 + tanh(u) / 1 + erf(u) cancel for negative x: an absolute bound (ulps of 1).
    {"gelu_tanh", [](const Tensor& t) { return gelu(t, GeluApprox::tanh); }, 4, 16, 1, 1},
    {"gelu_erf", [](const Tensor& t) { return gelu(t, GeluApprox::erf); }, 4, 4, 1, 1},
};

}  // namespace

TEST_SUITE("core") {
  TEST_CASE("f32 activations agree with f64 in ulps over a wide range, forward and backward") {
    const Tensor x32 = grid(-30, 30, 0.01);
    const Tensor x64 = x32.to(DType::f64);  // the reference sees exactly the f32 inputs
    for (const Fn& fn : kFns) {
      Tensor a = x32.clone().set_requires_grad(true), b = x64.clone().set_requires_grad(true);
      Tensor ya = fn.f(a), yb = fn.f(b);
      const double fwd = worst_ulp(ya.to_vector<double>(), yb.to_vector<double>(), fn.ref);
      sum(ya).backward();
      sum(yb).backward();
      const double bwd = worst_ulp(a.grad().to_vector<double>(), b.grad().to_vector<double>(), fn.ref_grad);
      INFO(std::string(fn.name) << ": forward " << fwd << " ulp, backward " << bwd << " ulp");
      CHECK(fwd <= fn.max_ulp);
      CHECK(bwd <= fn.max_ulp_grad);
    }
  }

  TEST_CASE("f32 log agrees with f64 within 1 ulp from denormal-free tiny to huge") {
    std::vector<double> xs;
    for (double x = 1e-37; x < 1e37; x *= 1.0137) xs.push_back(x);
    Tensor x32 = Tensor::from_vector(xs, {static_cast<int64_t>(xs.size())}).to(DType::f32);
    const double e = worst_ulp(log(x32).to_vector<double>(), log(x32.to(DType::f64)).to_vector<double>(), 0);
    INFO("log worst " << e << " ulp");
    CHECK(e <= 1.0);
  }

  TEST_CASE("the ulp comparison fails on NaN") {
    CHECK(std::isnan(worst_ulp({1.0, NAN, 2.0}, {1.0, 1.0, 2.0}, 0)));
    CHECK(std::isnan(worst_ulp({1.0, 1.0}, {1.0, NAN}, 0)));
    CHECK(!(worst_ulp({NAN}, {0.0}, 1.0) <= 1e9));
  }

  TEST_CASE("f32 activations propagate NaN in the packed body and in the tail") {
    // 37 elements: whole registers at every width, then a tail; NaN in both.
    std::vector<double> v(37, 0.5);
    v[3] = NAN;
    v[36] = NAN;
    Tensor x = Tensor::from_vector(v, {37}).to(DType::f32);
    for (const Fn& fn : kFns) {
      auto y = fn.f(x).to_vector<double>();
      INFO(std::string(fn.name));
      CHECK(std::isnan(y[3]));
      CHECK(std::isnan(y[36]));
      CHECK(!std::isnan(y[0]));
      CHECK(!std::isnan(y[35]));
    }
    auto l = log(x).to_vector<double>();
    CHECK(std::isnan(l[3]));
    CHECK(std::isnan(l[36]));
  }

  TEST_CASE("f32 packed, tail and strided results are bit-identical (position-independent)") {
    // The same values contiguous (packed body + tail) and through a transposed
    // view (the scalar strided loop): every element must match exactly.
    Tensor m = test::randn({13, 11}, 7, DType::f32) * 4.0;
    Tensor mt = contiguous(transpose(m, 0, 1));
    for (const Fn& fn : kFns) {
      auto direct = fn.f(m).to_vector<float>();
      auto strided = contiguous(transpose(fn.f(transpose(mt, 0, 1)), 0, 1));
      auto back = contiguous(transpose(strided, 0, 1)).to_vector<float>();
      INFO(std::string(fn.name));
      REQUIRE(direct.size() == back.size());
      int64_t diff = 0;
      for (size_t i = 0; i < direct.size(); ++i) diff += std::memcmp(&direct[i], &back[i], sizeof(float)) != 0;
      CHECK(diff == 0);
    }
  }

  TEST_CASE("f32 exp edge cases: -inf, overflow, NaN, denormal range") {
    CHECK(fexp(-std::numeric_limits<float>::infinity()) == 0.0f);
    CHECK(fexp(-110.0f) == 0.0f);
    CHECK(std::isinf(fexp(100.0f)));
    CHECK(std::isnan(fexp(std::nanf(""))));
    CHECK(fexp(0.0f) == 1.0f);
    CHECK(fexp(88.0f) == doctest::Approx(std::exp(88.0)).epsilon(1e-6));
    CHECK(fexp(-87.0f) == doctest::Approx(std::exp(-87.0)).epsilon(1e-6));
    CHECK(ftanh(40.0f) == 1.0f);
    CHECK(ftanh(-40.0f) == -1.0f);
    CHECK(std::isnan(ftanh(std::nanf(""))));
    CHECK(ferf(10.0f) == doctest::Approx(1.0).epsilon(1e-7));
    CHECK(ferf(-10.0f) == doctest::Approx(-1.0).epsilon(1e-7));
    CHECK(std::isnan(ferf(std::nanf(""))));
    CHECK(flog(0.0f) == -std::numeric_limits<float>::infinity());
    CHECK(std::isnan(flog(-1.0f)));
  }

  TEST_CASE("f32 softmax and cross-entropy agree with f64, ragged row lengths") {
    for (int64_t C : {1, 7, 16, 33, 100}) {
      Tensor x = test::randn({5, C}, 11 + C, DType::f32) * 6.0;
      const double s = worst_ulp(softmax(x).to_vector<double>(), softmax(x.to(DType::f64)).to_vector<double>(), 1e-3);
      const double ls =
          worst_ulp(log_softmax(x).to_vector<double>(), log_softmax(x.to(DType::f64)).to_vector<double>(), 1);
      std::vector<int64_t> tg(5);
      for (int64_t r = 0; r < 5; ++r) tg[r] = (r * 3) % C;
      Tensor t = test::indices(tg, {5});
      Tensor a = x.clone().set_requires_grad(true), b = x.to(DType::f64).set_requires_grad(true);
      Tensor la = softmax_cross_entropy(a, t), lb = softmax_cross_entropy(b, t);
      const double ce = std::abs(la.item() - lb.item());
      la.backward();
      lb.backward();
      const double g = test::max_abs_diff(a.grad(), b.grad());
      INFO("C=" << C << " softmax " << s << " ulp, log_softmax " << ls << " ulp, ce " << ce << ", grad " << g);
      CHECK(s <= 8);
      CHECK(ls <= 8);
      CHECK(ce <= 2e-6);
      CHECK(g <= 5e-7);
    }
  }
}
