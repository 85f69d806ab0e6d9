// div's gradient with respect to the denominator, −g·(a/b)/b, must not square b:
// b² underflows to 0 in f32 for |b| < 1e-19 (and overflows for |b| > 1e19), which
// turned a finite gradient into Inf/NaN (cat_causal at z_cap 80, issue finding 14).
#include <doctest/doctest.h>

#include <cmath>

#include "../support/test_util.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("ops_numerics") {
  TEST_CASE("div backward stays finite where b² under- or overflows f32") {
    for (double mag : {1e-30, 1e-25, 1e25, 1e30}) {
      CAPTURE(mag);
      Tensor a = Tensor::from_vector(std::vector<float>{static_cast<float>(mag), static_cast<float>(2 * mag)}, {2});
      Tensor b = Tensor::from_vector(std::vector<float>{static_cast<float>(mag), static_cast<float>(-mag)}, {2});
      a.set_requires_grad(true);
      b.set_requires_grad(true);
      sum(div(a, b)).backward();
      // d/db (a/b) = −a/b² = −(a/b)/b: −1/mag and −2/mag, both representable.
      const auto gb = b.grad().to_vector<double>(), ga = a.grad().to_vector<double>();
      CHECK(std::abs(gb[0] * mag + 1.0) < 1e-5);
      CHECK(std::abs(gb[1] * mag + 2.0) < 1e-5);
      CHECK(std::abs(ga[0] * mag - 1.0) < 1e-5);
      CHECK(std::abs(ga[1] * mag + 1.0) < 1e-5);
    }
  }
}
