// CUDA elementwise kernels: unary (+ backward), binary, where, triangle. The
// formulas are backend/functors.h's, the same ones the CPU instantiates; the op is
// a runtime switch inside one kernel per dtype (a uniform branch on the GPU, and
// 4 kernels to compile instead of 56).
#include "common.cuh"

namespace weft::cuda {

namespace {

template <typename T>
struct UnaryFwd {
  UnaryOp op;
  UnaryParams p;
  __device__ void operator()(char* const* q) const {
    *reinterpret_cast<T*>(q[0]) = unary_value<T>(op, *reinterpret_cast<const T*>(q[1]), p);
  }
};

template <typename T>
struct UnaryBwd {
  UnaryOp op;
  UnaryParams p;
  __device__ void operator()(char* const* q) const {
    const T x = *reinterpret_cast<const T*>(q[1]), y = *reinterpret_cast<const T*>(q[2]);
    *reinterpret_cast<T*>(q[0]) = *reinterpret_cast<const T*>(q[3]) * unary_derivative<T>(op, x, y, p);
  }
};

template <typename T>
struct BinaryFn {
  BinaryOp op;
  __device__ void operator()(char* const* q) const {
    *reinterpret_cast<T*>(q[0]) =
        binary_value<T>(op, *reinterpret_cast<const T*>(q[1]), *reinterpret_cast<const T*>(q[2]));
  }
};

template <typename C, typename T>
struct WhereFn {
  __device__ void operator()(char* const* q) const {
    *reinterpret_cast<T*>(q[0]) =
        *reinterpret_cast<const C*>(q[1]) != C(0) ? *reinterpret_cast<const T*>(q[2]) : *reinterpret_cast<const T*>(q[3]);
  }
};

template <typename T>
__global__ void triangle_kernel(const T* x, T* o, int64_t n, int64_t R, int64_t C, int64_t k, bool lower) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = e % C, i = (e / C) % R;
    const bool keep = lower ? (j - i <= k) : (j - i >= k);
    o[e] = keep ? x[e] : T(0);
  }
}

}  // namespace

void CudaBackend::unary(UnaryOp op, const UnaryParams& prm, const Tensor& x, Tensor& out) {
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "unary", [&](auto tag) {
    using T = decltype(tag);
    launch_strided<2>(s, out.shape(), {&out, &x}, UnaryFwd<T>{op, prm}, "unary");
  });
}

void CudaBackend::unary_backward(UnaryOp op, const UnaryParams& prm, const Tensor& x, const Tensor& y,
                                 const Tensor& gy, Tensor& gx) {
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "unary_backward", [&](auto tag) {
    using T = decltype(tag);
    launch_strided<4>(s, gx.shape(), {&gx, &x, &y, &gy}, UnaryBwd<T>{op, prm}, "unary_backward");
  });
}

void CudaBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  cudaStream_t s = stream();
  dispatch_all(out.dtype(), "binary", [&](auto tag) {
    using T = decltype(tag);
    launch_strided<3>(s, out.shape(), {&out, &a, &b}, BinaryFn<T>{op}, "binary");
  });
}

void CudaBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  cudaStream_t s = stream();
  dispatch_all(cond.dtype(), "where", [&](auto ctag) {
    using C = decltype(ctag);
    dispatch_all(out.dtype(), "where", [&](auto tag) {
      using T = decltype(tag);
      launch_strided<4>(s, out.shape(), {&out, &cond, &a, &b}, WhereFn<C, T>{}, "where");
    });
  });
}

void CudaBackend::triangle(const Tensor& x, int64_t k, bool lower, Tensor& out) {
  require_contiguous(x, "triangle", "x");
  require_contiguous(out, "triangle", "out");
  cudaStream_t s = stream();
  dispatch_all(x.dtype(), "triangle", [&](auto tag) {
    using T = decltype(tag);
    const int64_t R = x.shape()[x.dim() - 2], C = x.shape()[x.dim() - 1], n = x.numel();
    if (n == 0) return;
    triangle_kernel<T><<<grid_for(n), kThreads, 0, s>>>(dptr<T>(x), dptr<T>(out), n, R, C, k, lower);
    launch_check("triangle");
  });
}

}  // namespace weft::cuda
