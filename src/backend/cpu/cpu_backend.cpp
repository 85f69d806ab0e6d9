#include "cpu_backend.h"
#include "sgemm_route.h"

#include <omp.h>

#include "strided_loop.h"
#include "../backends.h"
#include "weft/backend/dispatch.h"

namespace weft {

namespace cpu {

CpuBackend::CpuBackend() { load_sgemm_route(); }

Allocator& CpuBackend::allocator() { return host_allocator(); }

void require_contiguous(const Tensor& t, const char* kernel, const char* arg) {
  if (t.defined() && !t.is_contiguous())
    throw Error(detail::concat("cpu kernel ", kernel, ": argument ", arg, " (", t.describe(),
                               ") must be contiguous (internal error in ops/)"));
}

void CpuBackend::fill(Tensor& out, double value) {
  dispatch_all(out.dtype(), "fill", [&](auto tag) {
    using T = decltype(tag);
    const T v = static_cast<T>(value);
    Strides st = out.strides();
    for_each_strided<1>(out.shape(), {&st}, {static_cast<char*>(out.raw_data())}, {sizeof(T)},
                        [&](std::array<char*, 1> p, int64_t n, std::array<int64_t, 1> s) {
                          for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
                        });
  });
}

void CpuBackend::copy(const Tensor& src, Tensor& dst) {
  WEFT_CHECK(src.device().is_cpu(), DeviceError, "copy: cpu backend cannot read from ", src.device().str());
  dispatch_all(src.dtype(), "copy", [&](auto stag) {
    using S = decltype(stag);
    dispatch_all(dst.dtype(), "copy", [&](auto dtag) {
      using D = decltype(dtag);
      for_each_strided<2>(dst.shape(), {&dst.strides(), &src.strides()},
                          {static_cast<char*>(dst.raw_data()), static_cast<char*>(src.raw_data())},
                          {sizeof(D), sizeof(S)},
                          [&](std::array<char*, 2> p, int64_t n, std::array<int64_t, 2> s) {
                            if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
                              D* d = reinterpret_cast<D*>(p[0]);
                              const S* x = reinterpret_cast<const S*>(p[1]);
                              for (int64_t i = 0; i < n; ++i) d[i] = static_cast<D>(x[i]);
                            } else {
                              for (int64_t i = 0; i < n; ++i)
                                *reinterpret_cast<D*>(p[0] + i * s[0]) =
                                    static_cast<D>(*reinterpret_cast<const S*>(p[1] + i * s[1]));
                            }
                          });
    });
  });
}

void CpuBackend::random(Tensor& out, RandomKind kind, double a, double b, PhiloxState state) {
  require_contiguous(out, "random", "out");
  dispatch_floating(out.dtype(), "random", [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const int64_t n = out.numel();
#pragma omp parallel for schedule(static) if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      double r = 0;
      switch (kind) {
        case RandomKind::uniform: r = a + (b - a) * philox_uniform(state, static_cast<uint64_t>(i)); break;
        case RandomKind::normal: r = a + b * philox_normal(state, static_cast<uint64_t>(i)); break;
        case RandomKind::bernoulli: r = philox_uniform(state, static_cast<uint64_t>(i)) <= a ? 1.0 : 0.0; break;
      }
      o[i] = static_cast<T>(r);
    }
  });
}

void CpuBackend::dropout(const Tensor& x, double p, PhiloxState state, Tensor& out) {
  require_contiguous(x, "dropout", "x");
  require_contiguous(out, "dropout", "out");
  dispatch_floating(x.dtype(), "dropout", [&](auto tag) {
    using T = decltype(tag);
    const T* xi = x.data<T>();
    T* o = out.data<T>();
    const int64_t n = x.numel();
    const T scale = static_cast<T>(1.0 / (1.0 - p));
#pragma omp parallel for schedule(static) if (n > kParallelGrain)
    for (int64_t i = 0; i < n; ++i) {
      const bool keep = dropout_keeps(philox_uniform(state, static_cast<uint64_t>(i)), p);
      o[i] = keep ? xi[i] * scale : T(0);
    }
  });
}

}  // namespace cpu

Backend& cpu_backend() {
  static cpu::CpuBackend backend;
  return backend;
}

int cpu_num_threads() { return omp_get_max_threads(); }
void set_cpu_num_threads(int n) {
  WEFT_CHECK(n >= 1, ValueError, "set_cpu_num_threads: thread count must be >= 1, got ", n);
  omp_set_num_threads(n);
}

}  // namespace weft
