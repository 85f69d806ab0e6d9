// The comparison helpers must fail on NaN and Inf: a NaN planted in either input of
// each helper has to turn a passing comparison into a failing one.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "golden_model.h"
#include "test_util.h"

using namespace weft;
using namespace weft::test;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// One clean pair, then each poison planted at the first, a middle and the last entry
// of either side (the first matters: a max-fold seeded by entry 0 is a common slip).
template <class Pass>
void each_poisoned(Pass&& pass) {
  const std::vector<double> a = {0.5, -1.25, 2.0, 3.0}, b = {0.5, -1.25, 2.0, 3.0};
  CHECK(pass(a, b));
  for (double poison : {kNaN, -kNaN, kInf, -kInf})
    for (size_t at : {size_t{0}, size_t{2}, size_t{3}})
      for (int side = 0; side < 2; ++side) {
        auto x = a, y = b;
        (side == 0 ? x : y)[at] = poison;
        INFO("poison " << poison << " at " << at << " on side " << side);
        CHECK_FALSE(pass(x, y));
      }
  // Inf on both sides at the same place is not "equal within tolerance" either.
  auto x = a, y = b;
  x[1] = y[1] = kInf;
  CHECK_FALSE(pass(x, y));
}

}  // namespace

TEST_SUITE("support") {
  TEST_CASE("max_abs_diff is NaN for any non-finite input, so every comparison on it fails") {
    each_poisoned([](const std::vector<double>& x, const std::vector<double>& y) {
      const double d = max_abs_diff(x, y);
      if (!(d < 1e-12)) {  // poisoned: "differs" and "equals" checks must fail too
        CHECK_FALSE(d > 1e-3);
        CHECK_FALSE(d == 0.0);
      }
      return d < 1e-12;
    });
    // The Tensor overload goes through the same fold.
    Tensor a = Tensor::from_vector(std::vector<double>{1, 2, 3}, {3});
    Tensor b = Tensor::from_vector(std::vector<double>{1, kNaN, 3}, {3});
    CHECK(max_abs_diff(a, a) == 0.0);
    CHECK(std::isnan(max_abs_diff(a, b)));
    CHECK(std::isnan(max_abs_diff(b, a)));
    CHECK(max_abs_diff(std::vector<double>{0, 1}, std::vector<double>{0, 3}) == 2.0);
  }

  TEST_CASE("closeness (behind check_close) is false on NaN or Inf in either input") {
    each_poisoned([](const std::vector<double>& x, const std::vector<double>& y) { return closeness(x, y, 1e-9).ok; });
    // A huge tolerance does not rescue it, and the scale-up by max |b| cannot be Inf.
    each_poisoned([](const std::vector<double>& x, const std::vector<double>& y) { return closeness(x, y, 1e300).ok; });
    CHECK(closeness({1.0, 2.0}, {1.0, 2.1}, 0.06).ok);  // 0.1 ≤ 0.06 · 2.1
    CHECK_FALSE(closeness({1.0, 2.0}, {1.0, 2.1}, 0.04).ok);
  }

  TEST_CASE("golden_grad_ok is false on NaN or Inf in either input") {
    each_poisoned(golden_grad_ok);
    CHECK_FALSE(golden_grad_ok({1.0, 2.0}, {1.0}));
    CHECK(golden_grad_ok({1.0, 2.0}, {1.0, 2.0 + 1e-5}));
    CHECK_FALSE(golden_grad_ok({1.0, 2.0}, {1.0, 2.01}));
  }
}
