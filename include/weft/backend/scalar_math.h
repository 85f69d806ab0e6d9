// defines: fexp, flog, ftanh, ferf (scalar), select (scalar), scalar_of, lit —
// the transcendental functions and helpers the elementwise formulas of
// backend/functors.h are written with, so one formula serves a scalar T (f32,
// f64, host or device) and a SIMD register (backend/vector_math.h, host).
// f64 calls the C library (gradient checks want full accuracy). f32 on the
// host is lane 0 of the packed SIMD function, so a scalar (strided) loop gives
// bit-for-bit what the packed loop gives. On CUDA, f32 uses the device library.
#pragma once

#include <cmath>
#include <cstdint>

#include "weft/core/rng.h"  // WEFT_HD

#if !defined(__CUDACC__)
#include "weft/backend/vector_math.h"
#endif

namespace weft {

WEFT_HD inline double fexp(double x) { return std::exp(x); }
WEFT_HD inline double flog(double x) { return std::log(x); }
WEFT_HD inline double ftanh(double x) { return std::tanh(x); }
WEFT_HD inline double ferf(double x) { return std::erf(x); }

#if defined(__CUDACC__)
// Device code, and the host side of .cu files (which never run f32 math on the host).
WEFT_HD inline float fexp(float x) { return expf(x); }
WEFT_HD inline float flog(float x) { return logf(x); }
WEFT_HD inline float ftanh(float x) { return tanhf(x); }
WEFT_HD inline float ferf(float x) { return erff(x); }
#else
inline float fexp(float x) { return fexp(vec_t<float>(x))[0]; }
inline float flog(float x) { return flog(vec_t<float>(x))[0]; }
inline float ftanh(float x) { return ftanh(vec_t<float>(x))[0]; }
inline float ferf(float x) { return ferf(vec_t<float>(x))[0]; }
#endif

// The scalar `c ? a : b`, spelled as the SIMD one so a formula serves both.
WEFT_HD inline float select(bool c, float a, float b) { return c ? a : b; }
WEFT_HD inline double select(bool c, double a, double b) { return c ? a : b; }

template <typename T>
struct scalar_of {
  using type = T;
};
#if !defined(__CUDACC__)
template <typename T, typename Abi>
struct scalar_of<stdx::simd<T, Abi>> {
  using type = T;
};
#endif

// A constant in T (a scalar, or a SIMD register broadcast).
template <typename T>
WEFT_HD inline T lit(double c) {
  return T(static_cast<typename scalar_of<T>::type>(c));
}

}  // namespace weft
