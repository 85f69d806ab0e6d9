// defines: UnaryOp, UnaryParams, unary_value, unary_derivative, BinaryOp, binary_value,
// ReduceOp.
//
// Each elementwise formula is written once here, callable from host and device
// code: the CPU backend instantiates it inside one
// OpenMP loop template, the CUDA backend inside one kernel template.
#pragma once

#include <cmath>
#include <cstdint>

#include "weft/backend/scalar_math.h"
#include "weft/core/rng.h"  // WEFT_HD

namespace weft {

enum class UnaryOp : uint8_t {
  neg, exp, log, sqrt, rsqrt, abs, tanh, sigmoid, relu, gelu_tanh, gelu_erf, silu, pow, clamp
};

// Scalar attributes of the parametrised unary ops (pow: a = exponent; clamp: [a, b]).
struct UnaryParams {
  double a = 0.0;
  double b = 0.0;
};

// T is a scalar (f32, f64) or, in the CPU kernels, a SIMD register of them
// (backend/vector_math.h): the formulas use only arithmetic, comparisons,
// select() and the math functions of backend/scalar_math.h, defined for both.
template <typename T>
WEFT_HD inline T unary_value(UnaryOp op, T x, const UnaryParams& p) {
  using std::abs, std::sqrt, std::pow;
  const T one = lit<T>(1), zero = lit<T>(0);
  switch (op) {
    case UnaryOp::neg: return -x;
    case UnaryOp::exp: return fexp(x);
    case UnaryOp::log: return flog(x);
    case UnaryOp::sqrt: return sqrt(x);
    case UnaryOp::rsqrt: return one / sqrt(x);
    case UnaryOp::abs: return abs(x);
    case UnaryOp::tanh: return ftanh(x);
    case UnaryOp::sigmoid: return one / (one + fexp(-x));
    case UnaryOp::relu: return select(x > zero, x, zero);
    // GELU, tanh approximation (Hendrycks & Gimpel 2016, eq. in §2).
    case UnaryOp::gelu_tanh:
      return lit<T>(0.5) * x * (one + ftanh(lit<T>(0.7978845608028654) * (x + lit<T>(0.044715) * x * x * x)));
    case UnaryOp::gelu_erf: return lit<T>(0.5) * x * (one + ferf(x * lit<T>(0.7071067811865476)));
    case UnaryOp::silu: return x / (one + fexp(-x));
    case UnaryOp::pow: return pow(x, lit<T>(p.a));
    case UnaryOp::clamp: return select(x < lit<T>(p.a), lit<T>(p.a), select(x > lit<T>(p.b), lit<T>(p.b), x));
  }
  return x;
}

// d unary_value / dx, given x and y = unary_value(x) (whichever is cheaper).
template <typename T>
WEFT_HD inline T unary_derivative(UnaryOp op, T x, T y, const UnaryParams& p) {
  using std::pow;
  const T one = lit<T>(1), zero = lit<T>(0), half = lit<T>(0.5);
  switch (op) {
    case UnaryOp::neg: return -one;
    case UnaryOp::exp: return y;
    case UnaryOp::log: return one / x;
    case UnaryOp::sqrt: return half / y;
    case UnaryOp::rsqrt: return lit<T>(-0.5) * y * y * y;
    case UnaryOp::abs: return select(x > zero, one, select(x < zero, -one, zero));
    case UnaryOp::tanh: return one - y * y;
    case UnaryOp::sigmoid: return y * (one - y);
    case UnaryOp::relu: return select(x > zero, one, zero);
    case UnaryOp::gelu_tanh: {
      const T k = lit<T>(0.7978845608028654), c = lit<T>(0.044715);
      T u = k * (x + c * x * x * x);
      T t = ftanh(u);
      T du = k * (one + lit<T>(3) * c * x * x);
      return half * (one + t) + half * x * (one - t * t) * du;
    }
    case UnaryOp::gelu_erf: {
      T cdf = half * (one + ferf(x * lit<T>(0.7071067811865476)));
      T pdf = lit<T>(0.3989422804014327) * fexp(lit<T>(-0.5) * x * x);
      return cdf + x * pdf;
    }
    case UnaryOp::silu: {
      T s = one / (one + fexp(-x));
      return s * (one + x * (one - s));
    }
    case UnaryOp::pow: return lit<T>(p.a) * pow(x, lit<T>(p.a - 1.0));
    case UnaryOp::clamp: return select(x >= lit<T>(p.a) && x <= lit<T>(p.b), one, zero);
  }
  return zero;
}

enum class BinaryOp : uint8_t { add, sub, mul, div, maximum, minimum, eq, gt, lt };

template <typename T>
WEFT_HD inline T binary_value(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::sub: return a - b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;
    case BinaryOp::maximum: return a > b ? a : b;
    case BinaryOp::minimum: return a < b ? a : b;
    case BinaryOp::eq: return a == b ? T(1) : T(0);
    case BinaryOp::gt: return a > b ? T(1) : T(0);
    case BinaryOp::lt: return a < b ? T(1) : T(0);
  }
  return a;
}

enum class ReduceOp : uint8_t { sum, max, min };

enum class RandomKind : uint8_t { uniform, normal, bernoulli };

}  // namespace weft
