// Helpers shared by the doctest suites: seeded random tensors and comparisons.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "weft/core/tensor.h"

namespace weft::test {

inline Tensor randn(const Shape& s, uint64_t seed, DType dt = DType::f64) {
  Generator g(seed);
  return Tensor::normal(s, 0.0, 1.0, dt, &g);
}

inline Tensor uniform(const Shape& s, double lo, double hi, uint64_t seed, DType dt = DType::f64) {
  Generator g(seed);
  return Tensor::uniform(s, lo, hi, dt, &g);
}

inline Tensor indices(const std::vector<int64_t>& v, const Shape& s) { return Tensor::from_vector(v, s); }

// NaN and Inf are never "close": any non-finite entry in either input makes the
// result NaN, and every comparison on NaN (`< tol`, `<= tol`, `> tol`, `== 0`) is
// false, so a kernel that writes NaN fails every test that compares its output.
// (std::max(m, NaN) returns m: a max-fold over std::max is NaN-blind.)
inline double max_abs_diff(const std::vector<double>& x, const std::vector<double>& y) {
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) return std::numeric_limits<double>::quiet_NaN();
    const double d = std::abs(x[i] - y[i]);
    if (d > m) m = d;
  }
  return m;
}

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  return max_abs_diff(a.to_vector<double>(), b.to_vector<double>());
}

// max |v|, NaN when any entry is not finite.
inline double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) {
    if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
    if (std::abs(x) > m) m = std::abs(x);
  }
  return m;
}

inline void check_values(const Tensor& t, const std::vector<double>& expect, double tol = 1e-12) {
  auto v = t.to_vector<double>();
  REQUIRE(v.size() == expect.size());
  for (size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expect[i]).epsilon(tol).scale(1.0));
}

// max |a − b| ≤ tol · max(1, max |b|); false on any NaN or Inf in a or b.
struct Closeness {
  double err = 0, mag = 1;
  bool ok = false;
};
inline Closeness closeness(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  Closeness c;
  c.err = max_abs_diff(a, b);
  const double mb = max_abs(b);
  c.mag = mb > 1 ? mb : (std::isnan(mb) ? mb : 1.0);
  c.ok = c.err <= tol * c.mag;  // false when err or mag is NaN
  return c;
}

// The doctest check of closeness(), with the error and magnitude in the report.
inline void check_close(const std::vector<double>& a, const std::vector<double>& b, double tol, const char* what) {
  const Closeness c = closeness(a, b, tol);
  INFO(std::string(what) << ": max abs error " << c.err << ", magnitude " << c.mag << " (NaN: a non-finite value)");
  CHECK(c.ok);
}

inline bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor x = a.is_contiguous() ? a : a.clone(), y = b.is_contiguous() ? b : b.clone();
  return std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

}  // namespace weft::test
