// The f32 elementwise path uses vectorisable approximations of exp/tanh/erf
// (backend/scalar_math.h); check them against the f64 library path.
#include <doctest/doctest.h>

#include <limits>

#include "../support/test_util.h"
#include "weft/backend/scalar_math.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("core") {
  TEST_CASE("f32 activations agree with f64 to f32 precision over a wide range") {
    std::vector<double> xs;
    for (double x = -30; x <= 30; x += 0.01) xs.push_back(x);
    // The f64 reference sees exactly the f32 inputs.
    Tensor x32 = Tensor::from_vector(xs, {static_cast<int64_t>(xs.size())}).to(DType::f32);
    Tensor x64 = x32.to(DType::f64);
    struct Fn {
      const char* name;
      Tensor (*f)(const Tensor&);
      double tol;
    };
    const Fn fns[] = {
        {"exp", [](const Tensor& t) { return exp(t); }, 3e-7},
        {"tanh", [](const Tensor& t) { return tanh(t); }, 3e-7},
        {"sigmoid", [](const Tensor& t) { return sigmoid(t); }, 3e-7},
        {"silu", [](const Tensor& t) { return silu(t); }, 3e-7},
        {"gelu_tanh", [](const Tensor& t) { return gelu(t, GeluApprox::tanh); }, 3e-7},
        {"gelu_erf", [](const Tensor& t) { return gelu(t, GeluApprox::erf); }, 2e-6},
    };
    for (const Fn& fn : fns) {
      auto a = fn.f(x32).to_vector<double>(), b = fn.f(x64).to_vector<double>();
      double worst = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        double rel = std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-30);
        // exp of large arguments: compare relatively; near zero crossings, absolutely.
        const double e = std::min(rel, std::abs(a[i] - b[i]));
        if (!(e <= worst)) worst = std::isnan(worst) ? worst : e;  // NaN sticks: it must fail below
      }
      INFO(std::string(fn.name) << " worst error " << worst);
      CHECK(worst < fn.tol);
    }
  }

  TEST_CASE("f32 exp edge cases: -inf, overflow, NaN, denormal range") {
    CHECK(fexp(-std::numeric_limits<float>::infinity()) == 0.0f);
    CHECK(fexp(-100.0f) == 0.0f);
    CHECK(std::isinf(fexp(100.0f)));
    CHECK(std::isnan(fexp(std::nanf(""))));
    CHECK(fexp(0.0f) == 1.0f);
    CHECK(fexp(88.0f) == doctest::Approx(std::exp(88.0)).epsilon(1e-6));
    CHECK(fexp(-87.0f) == doctest::Approx(std::exp(-87.0)).epsilon(1e-6));
    CHECK(ftanh(40.0f) == 1.0f);
    CHECK(ftanh(-40.0f) == -1.0f);
    CHECK(ferf(10.0f) == doctest::Approx(1.0).epsilon(1e-7));
  }
}
