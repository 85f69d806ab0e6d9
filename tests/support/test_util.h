// Helpers shared by the doctest suites: seeded random tensors and comparisons.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
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

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = std::abs(x[i] - y[i]);
    if (!(d <= m)) m = d;  // NaN sticks (std::max would drop it)
  }
  return m;
}

inline void check_values(const Tensor& t, const std::vector<double>& expect, double tol = 1e-12) {
  auto v = t.to_vector<double>();
  REQUIRE(v.size() == expect.size());
  for (size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expect[i]).epsilon(tol).scale(1.0));
}

// max |a − b| ≤ tol · max(1, max |b|), with the error and magnitude in the report.
inline void check_close(const std::vector<double>& a, const std::vector<double>& b, double tol, const char* what) {
  REQUIRE(a.size() == b.size());
  double err = 0, mag = 1;
  for (size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::abs(a[i] - b[i]));
    mag = std::max(mag, std::abs(b[i]));
  }
  INFO(std::string(what) << ": max abs error " << err << ", magnitude " << mag);
  CHECK(std::isfinite(err));
  CHECK(err <= tol * mag);
}

inline bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor x = a.is_contiguous() ? a : a.clone(), y = b.is_contiguous() ? b : b.clone();
  return std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

}  // namespace weft::test
