// defines: UnaryOp, UnaryParams, unary_value, unary_derivative, BinaryOp, binary_value,
// ReduceOp.
//
// Each elementwise formula is written once here, callable from host and device
// code (style-anchors practice 5): the CPU backend instantiates it inside one
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

template <typename T>
WEFT_HD inline T unary_value(UnaryOp op, T x, const UnaryParams& p) {
  constexpr T kSqrt2OverPi = T(0.7978845608028654);
  constexpr T kGeluC = T(0.044715);
  switch (op) {
    case UnaryOp::neg: return -x;
    case UnaryOp::exp: return fexp(x);
    case UnaryOp::log: return std::log(x);
    case UnaryOp::sqrt: return std::sqrt(x);
    case UnaryOp::rsqrt: return T(1) / std::sqrt(x);
    case UnaryOp::abs: return std::abs(x);
    case UnaryOp::tanh: return ftanh(x);
    case UnaryOp::sigmoid: return T(1) / (T(1) + fexp(-x));
    case UnaryOp::relu: return x > T(0) ? x : T(0);
    // GELU, tanh approximation (Hendrycks & Gimpel 2016, eq. in §2).
    case UnaryOp::gelu_tanh: return T(0.5) * x * (T(1) + ftanh(kSqrt2OverPi * (x + kGeluC * x * x * x)));
    case UnaryOp::gelu_erf: return T(0.5) * x * (T(1) + ferf(x * T(0.7071067811865476)));
    case UnaryOp::silu: return x / (T(1) + fexp(-x));
    case UnaryOp::pow: return std::pow(x, T(p.a));
    case UnaryOp::clamp: return x < T(p.a) ? T(p.a) : (x > T(p.b) ? T(p.b) : x);
  }
  return x;
}

// d unary_value / dx, given x and y = unary_value(x) (whichever is cheaper).
template <typename T>
WEFT_HD inline T unary_derivative(UnaryOp op, T x, T y, const UnaryParams& p) {
  constexpr T kSqrt2OverPi = T(0.7978845608028654);
  constexpr T kGeluC = T(0.044715);
  switch (op) {
    case UnaryOp::neg: return T(-1);
    case UnaryOp::exp: return y;
    case UnaryOp::log: return T(1) / x;
    case UnaryOp::sqrt: return T(0.5) / y;
    case UnaryOp::rsqrt: return T(-0.5) * y * y * y;
    case UnaryOp::abs: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    case UnaryOp::tanh: return T(1) - y * y;
    case UnaryOp::sigmoid: return y * (T(1) - y);
    case UnaryOp::relu: return x > T(0) ? T(1) : T(0);
    case UnaryOp::gelu_tanh: {
      T u = kSqrt2OverPi * (x + kGeluC * x * x * x);
      T t = ftanh(u);
      T du = kSqrt2OverPi * (T(1) + T(3) * kGeluC * x * x);
      return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du;
    }
    case UnaryOp::gelu_erf: {
      T cdf = T(0.5) * (T(1) + ferf(x * T(0.7071067811865476)));
      T pdf = T(0.3989422804014327) * fexp(T(-0.5) * x * x);
      return cdf + x * pdf;
    }
    case UnaryOp::silu: {
      T s = T(1) / (T(1) + fexp(-x));
      return s * (T(1) + x * (T(1) - s));
    }
    case UnaryOp::pow: return T(p.a) * std::pow(x, T(p.a - 1.0));
    case UnaryOp::clamp: return (x >= T(p.a) && x <= T(p.b)) ? T(1) : T(0);
  }
  return T(0);
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
