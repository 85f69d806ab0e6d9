// defines: vec_t, fexp/flog/ftanh/ferf on vec_t, select, vec_map, vec_map_sum —
// explicit SIMD (std::experimental::simd at the build's native width) for the
// host CPU kernels, so the transcendental functions run packed on every ISA
// instead of depending on whether GCC's auto-vectoriser if-converts a loop
// (it did under AVX-512 and did not under AVX2).
//
// f32: SLEEF (the vector math library PyTorch's CPU kernels use): exp and log
// with ≤ 1 ulp, tanh ≤ 3.5 ulp (SLEEF's u10 tanh and erf measured 4–10× slower
// than u35 tanh on AVX2, too slow for GELU); erf is Abramowitz & Stegun 7.1.26
// (|error| ≤ 1.5e-7) over SLEEF's exp. f64 keeps the C library per lane
// (gradient checks want full accuracy). Every result is a pure function of the
// input element: a tail is computed through the same vector code on a padded
// copy, so no result depends on its position or on how threads split a range.
#pragma once

#if defined(__CUDACC__)
#error "weft/backend/vector_math.h is host-only"
#endif

// GCC 12 reports -Wmaybe-uninitialized inside its own avx512fintrin.h when
// stdx::sqrt inlines _mm512_sqrt_ps (the deliberately undefined pass-through
// operand); the warning is located in these headers, so it is silenced here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <cstdint>
#include <experimental/simd>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#include <sleef.h>
#endif
#pragma GCC diagnostic pop

namespace weft {

namespace stdx = std::experimental;

// One register of T at the width the build targets (-march / WEFT_ARCH).
template <typename T>
using vec_t = stdx::native_simd<T>;

template <typename V>
concept SimdVec = stdx::is_simd_v<V>;

// The vector counterpart of `c ? a : b`.
template <SimdVec V>
inline V select(const typename V::mask_type& c, const V& a, V b) {
  stdx::where(c, b) = a;
  return b;
}

namespace detail {
// SLEEF's packed function for the native float width (names: Sleef_<fn>f<lanes>_<ulp><isa>).
#if defined(__x86_64__) && defined(__AVX512F__)
#define WEFT_SLEEF_F32(fn, ulp) vec_t<float>(Sleef_##fn##f16_##ulp##avx512f(static_cast<__m512>(x)))
#elif defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#define WEFT_SLEEF_F32(fn, ulp) vec_t<float>(Sleef_##fn##f8_##ulp##avx2(static_cast<__m256>(x)))
#elif defined(__x86_64__) && defined(__SSE4_1__)
#define WEFT_SLEEF_F32(fn, ulp) vec_t<float>(Sleef_##fn##f4_##ulp##sse4(static_cast<__m128>(x)))
#elif defined(__x86_64__)
#define WEFT_SLEEF_F32(fn, ulp) vec_t<float>(Sleef_##fn##f4_##ulp##sse2(static_cast<__m128>(x)))
#else  // other architectures: the C library per lane (correct, not packed)
#define WEFT_SLEEF_F32(fn, ulp) stdx::fn(x)
#endif
}  // namespace detail

inline vec_t<float> fexp(const vec_t<float>& x) { return WEFT_SLEEF_F32(exp, u10); }
inline vec_t<float> flog(const vec_t<float>& x) { return WEFT_SLEEF_F32(log, u10); }
inline vec_t<float> ftanh(const vec_t<float>& x) { return WEFT_SLEEF_F32(tanh, u35); }
#undef WEFT_SLEEF_F32

inline vec_t<double> fexp(const vec_t<double>& x) { return stdx::exp(x); }
inline vec_t<double> flog(const vec_t<double>& x) { return stdx::log(x); }
inline vec_t<double> ftanh(const vec_t<double>& x) { return stdx::tanh(x); }
inline vec_t<double> ferf(const vec_t<double>& x) { return stdx::erf(x); }

// erf: Abramowitz & Stegun 7.1.26, odd extension; exp(−x²) underflows to 0 beyond |x| ≈ 9.3.
inline vec_t<float> ferf(const vec_t<float>& x) {
  using V = vec_t<float>;
  const V ax = stdx::abs(x);
  const V t = V(1.0f) / (V(1.0f) + V(0.3275911f) * ax);
  const V poly =
      ((((V(1.061405429f) * t - V(1.453152027f)) * t + V(1.421413741f)) * t - V(0.284496736f)) * t + V(0.254829592f)) * t;
  const V y = V(1.0f) - poly * fexp(-ax * ax);
  return select(x < V(0.0f), -y, y);
}

// out[i] = f(in[i]...) over n elements, one register at a time; the tail goes
// through the same f on a zero-padded copy.
template <typename T, typename F, typename... In>
  requires(std::is_same_v<In, T> && ...)
inline void vec_map(int64_t n, T* out, F&& f, const In*... in) {
  using V = vec_t<T>;
  constexpr int64_t W = static_cast<int64_t>(V::size());
  int64_t i = 0;
  for (; i + W <= n; i += W) f(V(in + i, stdx::element_aligned)...).copy_to(out + i, stdx::element_aligned);
  if (i < n) {
    const int64_t r = n - i;
    auto load_tail = [&](const T* p) {
      alignas(64) T buf[W] = {};
      for (int64_t k = 0; k < r; ++k) buf[k] = p[i + k];
      return V(buf, stdx::vector_aligned);
    };
    alignas(64) T res[W];
    f(load_tail(in)...).copy_to(res, stdx::vector_aligned);
    for (int64_t k = 0; k < r; ++k) out[i + k] = res[k];
  }
}

// Σ f(in[i]...) over n elements, the padded tail lanes masked out. The order of
// the sum is fixed by n (lane-wise partial sums, then the lanes in order).
template <typename T, typename F, typename... In>
  requires(std::is_same_v<In, T> && ...)
inline T vec_map_sum(int64_t n, F&& f, const In*... in) {
  using V = vec_t<T>;
  constexpr int64_t W = static_cast<int64_t>(V::size());
  V acc(T(0));
  int64_t i = 0;
  for (; i + W <= n; i += W) acc += f(V(in + i, stdx::element_aligned)...);
  if (i < n) {
    const int64_t r = n - i;
    auto load_tail = [&](const T* p) {
      alignas(64) T buf[W] = {};
      for (int64_t k = 0; k < r; ++k) buf[k] = p[i + k];
      return V(buf, stdx::vector_aligned);
    };
    V v = f(load_tail(in)...);
    alignas(64) T res[W];
    v.copy_to(res, stdx::vector_aligned);
    for (int64_t k = r; k < W; ++k) res[k] = T(0);
    acc += V(res, stdx::vector_aligned);
  }
  alignas(64) T lanes[W];
  acc.copy_to(lanes, stdx::vector_aligned);
  T s = 0;
  for (int64_t k = 0; k < W; ++k) s += lanes[k];
  return s;
}

}  // namespace weft
