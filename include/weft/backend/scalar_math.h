// defines: fexp, ftanh, ferf — the transcendental functions the elementwise
// functors use. f64 calls the C library (gradient checks want full accuracy);
// f32 on the host uses branch-free Cephes-style approximations (≤ 2 ulp for exp
// and tanh, ≤ 2e-7 absolute for erf) that GCC vectorises inside `omp simd`
// loops, where libm's scalar calls would not be. On CUDA, f32 uses the
// device library.
#pragma once

#include <cmath>
#include <cstdint>
#include <bit>

#include "weft/core/rng.h"  // WEFT_HD

namespace weft {

WEFT_HD inline double fexp(double x) { return std::exp(x); }
WEFT_HD inline double ftanh(double x) { return std::tanh(x); }
WEFT_HD inline double ferf(double x) { return std::erf(x); }

#if defined(__CUDA_ARCH__)
__device__ inline float fexp(float x) { return expf(x); }
__device__ inline float ftanh(float x) { return tanhf(x); }
__device__ inline float ferf(float x) { return erff(x); }
#else
// exp: 2^n · e^r with n = round(x·log2 e), |r| ≤ ln2/2, degree-6 polynomial for e^r
// (Cephes expf coefficients). Underflows to exactly 0 below −87.3 (so masked −inf
// logits give 0) and overflows to +inf above 88.7; NaN propagates.
inline float fexp(float x) {
  const float hi = 88.72283f, lo = -87.33654f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  xc = x != x ? 0.0f : xc;  // keep the integer conversion below defined for NaN
  // Round to nearest by adding and removing 1.5·2^23 (vectorises, unlike floor()).
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float z = r * r;
  float p = ((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r +
             1.6666665459e-1f) * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  // 2^n in two factors so that n = 128 and n = −126 both stay representable.
  int32_t n1 = static_cast<int32_t>(n) / 2, n2 = static_cast<int32_t>(n) - n1;
  const float s1 = std::bit_cast<float>((n1 + 127) << 23), s2 = std::bit_cast<float>((n2 + 127) << 23);
  float y = p * s1 * s2;
  y = x < lo ? 0.0f : y;
  y = x > hi ? INFINITY : y;
  return x != x ? x : y;
}

// tanh: odd polynomial for |x| < 0.625 (Cephes tanhf), 1 − 2/(e^{2|x|} + 1) beyond.
inline float ftanh(float x) {
  float ax = std::fabs(x);
  float z = x * x;
  float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z -
                 3.33332819422e-1f) * z * x + x;
  float big = 1.0f - 2.0f / (fexp(2.0f * ax) + 1.0f);
  big = x < 0 ? -big : big;
  return ax < 0.625f ? small : big;
}

// erf: Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), odd extension.
inline float ferf(float x) {
  float ax = std::fabs(x);
  float t = 1.0f / (1.0f + 0.3275911f * ax);
  float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
  float y = 1.0f - poly * fexp(-ax * ax);
  return x < 0 ? -y : y;
}
#endif

}  // namespace weft
