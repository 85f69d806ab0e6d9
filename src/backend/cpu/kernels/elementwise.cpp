// CPU elementwise kernels: unary (+ backward), binary, where, triangle.
// All run through for_each_strided; the formulas live in backend/functors.h.
// Contiguous unary runs go through vec_map: explicit SIMD at the native width.
#include <type_traits>

#include "../cpu_backend.h"
#include "../strided_loop.h"
#include "weft/backend/vector_math.h"

namespace weft::cpu {

namespace {
template <typename T>
inline T& at(char* p, int64_t i, int64_t stride) {
  return *reinterpret_cast<T*>(p + i * stride);
}
}  // namespace

namespace {

// Calls f(std::integral_constant<UnaryOp, op>) so loops are compiled per op: the
// switch inside unary_value folds away and the loop body vectorises.
template <typename F>
void with_unary_op(UnaryOp op, F&& f) {
  switch (op) {
#define WEFT_UNARY_CASE(name) \
  case UnaryOp::name: return f(std::integral_constant<UnaryOp, UnaryOp::name>{});
    WEFT_UNARY_CASE(neg) WEFT_UNARY_CASE(exp) WEFT_UNARY_CASE(log) WEFT_UNARY_CASE(sqrt) WEFT_UNARY_CASE(rsqrt)
    WEFT_UNARY_CASE(abs) WEFT_UNARY_CASE(tanh) WEFT_UNARY_CASE(sigmoid) WEFT_UNARY_CASE(relu)
    WEFT_UNARY_CASE(gelu_tanh) WEFT_UNARY_CASE(gelu_erf) WEFT_UNARY_CASE(silu) WEFT_UNARY_CASE(pow)
    WEFT_UNARY_CASE(clamp)
#undef WEFT_UNARY_CASE
  }
}

}  // namespace

void CpuBackend::unary(UnaryOp op, const UnaryParams& prm, const Tensor& x, Tensor& out) {
  dispatch_floating(x.dtype(), "unary", [&](auto tag) {
    using T = decltype(tag);
    with_unary_op(op, [&](auto opc) {
      constexpr UnaryOp O = decltype(opc)::value;
      for_each_strided<2>(out.shape(), {&out.strides(), &x.strides()},
                          {static_cast<char*>(out.raw_data()), static_cast<char*>(x.raw_data())},
                          {sizeof(T), sizeof(T)}, [&](std::array<char*, 2> p, int64_t n, std::array<int64_t, 2> s) {
                            if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
                              T* o = reinterpret_cast<T*>(p[0]);
                              const T* xi = reinterpret_cast<const T*>(p[1]);
                              vec_map<T>(n, o, [&](auto v) { return unary_value(O, v, prm); }, xi);
                            } else {
                              for (int64_t i = 0; i < n; ++i)
                                at<T>(p[0], i, s[0]) = unary_value<T>(O, at<T>(p[1], i, s[1]), prm);
                            }
                          });
    });
  });
}

void CpuBackend::unary_backward(UnaryOp op, const UnaryParams& prm, const Tensor& x, const Tensor& y,
                                const Tensor& gy, Tensor& gx) {
  dispatch_floating(x.dtype(), "unary_backward", [&](auto tag) {
    using T = decltype(tag);
    with_unary_op(op, [&](auto opc) {
      constexpr UnaryOp O = decltype(opc)::value;
      for_each_strided<4>(
          gx.shape(), {&gx.strides(), &x.strides(), &y.strides(), &gy.strides()},
          {static_cast<char*>(gx.raw_data()), static_cast<char*>(x.raw_data()), static_cast<char*>(y.raw_data()),
           static_cast<char*>(gy.raw_data())},
          {sizeof(T), sizeof(T), sizeof(T), sizeof(T)},
          [&](std::array<char*, 4> p, int64_t n, std::array<int64_t, 4> s) {
            constexpr int64_t e = sizeof(T);
            if (s[0] == e && s[1] == e && s[2] == e && s[3] == e) {
              T* o = reinterpret_cast<T*>(p[0]);
              const T* xi = reinterpret_cast<const T*>(p[1]);
              const T* yi = reinterpret_cast<const T*>(p[2]);
              const T* gi = reinterpret_cast<const T*>(p[3]);
              vec_map<T>(
                  n, o, [&](auto xv, auto yv, auto gv) { return gv * unary_derivative(O, xv, yv, prm); }, xi, yi, gi);
            } else {
              for (int64_t i = 0; i < n; ++i)
                at<T>(p[0], i, s[0]) =
                    at<T>(p[3], i, s[3]) * unary_derivative<T>(O, at<T>(p[1], i, s[1]), at<T>(p[2], i, s[2]), prm);
            }
          });
    });
  });
}

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_all(out.dtype(), "binary", [&](auto tag) {
    using T = decltype(tag);
    for_each_strided<3>(out.shape(), {&out.strides(), &a.strides(), &b.strides()},
                        {static_cast<char*>(out.raw_data()), static_cast<char*>(a.raw_data()),
                         static_cast<char*>(b.raw_data())},
                        {sizeof(T), sizeof(T), sizeof(T)},
                        [&](std::array<char*, 3> p, int64_t n, std::array<int64_t, 3> s) {
                          constexpr int64_t e = sizeof(T);
                          if (s[0] == e && s[1] == e && s[2] == e) {
                            T* o = reinterpret_cast<T*>(p[0]);
                            const T* x = reinterpret_cast<const T*>(p[1]);
                            const T* y = reinterpret_cast<const T*>(p[2]);
                            switch (op) {  // hoisted so the hot cases vectorise
                              case BinaryOp::add: for (int64_t i = 0; i < n; ++i) o[i] = x[i] + y[i]; return;
                              case BinaryOp::mul: for (int64_t i = 0; i < n; ++i) o[i] = x[i] * y[i]; return;
                              default: for (int64_t i = 0; i < n; ++i) o[i] = binary_value<T>(op, x[i], y[i]); return;
                            }
                          }
                          for (int64_t i = 0; i < n; ++i)
                            at<T>(p[0], i, s[0]) = binary_value<T>(op, at<T>(p[1], i, s[1]), at<T>(p[2], i, s[2]));
                        });
  });
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_all(cond.dtype(), "where", [&](auto ctag) {
    using C = decltype(ctag);
    dispatch_all(out.dtype(), "where", [&](auto tag) {
      using T = decltype(tag);
      for_each_strided<4>(out.shape(), {&out.strides(), &cond.strides(), &a.strides(), &b.strides()},
                          {static_cast<char*>(out.raw_data()), static_cast<char*>(cond.raw_data()),
                           static_cast<char*>(a.raw_data()), static_cast<char*>(b.raw_data())},
                          {sizeof(T), sizeof(C), sizeof(T), sizeof(T)},
                          [&](std::array<char*, 4> p, int64_t n, std::array<int64_t, 4> s) {
                            for (int64_t i = 0; i < n; ++i)
                              at<T>(p[0], i, s[0]) =
                                  at<C>(p[1], i, s[1]) != C(0) ? at<T>(p[2], i, s[2]) : at<T>(p[3], i, s[3]);
                          });
    });
  });
}

void CpuBackend::triangle(const Tensor& x, int64_t k, bool lower, Tensor& out) {
  require_contiguous(x, "triangle", "x");
  require_contiguous(out, "triangle", "out");
  dispatch_all(x.dtype(), "triangle", [&](auto tag) {
    using T = decltype(tag);
    const int64_t R = x.shape()[x.dim() - 2], C = x.shape()[x.dim() - 1];
    const int64_t mats = R * C == 0 ? 0 : x.numel() / (R * C);
    const T* xi = x.data<T>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) if (x.numel() > kParallelGrain)
    for (int64_t m = 0; m < mats * R; ++m) {
      const int64_t i = m % R;
      const T* xr = xi + m * C;
      T* orow = o + m * C;
      for (int64_t j = 0; j < C; ++j) {
        bool keep = lower ? (j - i <= k) : (j - i >= k);
        orow[j] = keep ? xr[j] : T(0);
      }
    }
  });
}

}  // namespace weft::cpu
