// Helpers of the CUDA parity suites: the two backends, host↔device copies, and the
// comparison every case uses — max |cuda − cpu| ≤ tol · max(1, max |cpu|), failing
// on NaN.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "weft/backend/dispatch.h"
#include "weft/core/tensor.h"

namespace weft::cuda_test {

inline Backend& cpu() { return backend_for(Device::cpu()); }
inline Backend& gpu() { return backend_for(Device::cuda(0)); }
inline Device dev() { return Device::cuda(0); }

inline Tensor randn(const Shape& s, uint64_t seed, DType dt = DType::f32) {
  Generator g(seed);
  return Tensor::normal(s, 0.0, 1.0, dt, &g);
}

inline Tensor uniform(const Shape& s, double lo, double hi, uint64_t seed, DType dt = DType::f32) {
  Generator g(seed);
  return Tensor::uniform(s, lo, hi, dt, &g);
}

// Same values on the GPU; same strides too when `t` is a view (the copy goes
// through a dense buffer and is re-viewed there).
inline Tensor on_gpu(const Tensor& t) { return t.to(dev()); }

// A device view with the same shape/strides/offset as the host view `v` of `base`.
inline Tensor gpu_view(const Tensor& base_gpu, const Tensor& v) {
  return Tensor::make_view(base_gpu, v.shape(), v.strides(), v.offset());
}

inline Tensor empty_like(const Tensor& t, Device d) { return Tensor::empty(t.shape(), t.dtype(), d); }

inline void check_close(const Tensor& gpu_result, const Tensor& cpu_result, double tol, const std::string& what) {
  REQUIRE(gpu_result.device().is_cuda());
  auto a = gpu_result.to_vector<double>(), b = cpu_result.to_vector<double>();
  REQUIRE(a.size() == b.size());
  double err = 0, mag = 1;
  bool nan = false;  // a NaN on one side only
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      nan = nan || !(std::isnan(a[i]) && std::isnan(b[i]));
      continue;
    }
    if (a[i] == b[i]) continue;  // also equal infinities
    const double e = std::abs(a[i] - b[i]);
    if (!(e <= err)) err = e;
    if (std::isfinite(b[i]) && !(std::abs(b[i]) <= mag)) mag = std::abs(b[i]);  // infinities are compared above
  }
  INFO(what << ": max |cuda - cpu| = " << err << ", magnitude " << mag << ", tol " << tol);
  CHECK(!nan);
  CHECK(err <= tol * mag);
}

inline bool bitwise_equal(const Tensor& gpu_result, const Tensor& cpu_result) {
  auto a = gpu_result.to_vector<double>(), b = cpu_result.to_vector<double>();
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i]) && !(std::isnan(a[i]) && std::isnan(b[i]))) return false;
  return true;
}

}  // namespace weft::cuda_test
