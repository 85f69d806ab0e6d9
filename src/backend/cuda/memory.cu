// CUDA fill, copy (device↔device converting, host↔device transfers), random and
// dropout. Random numbers come from the same Philox counters as the CPU (core/rng.h):
// uniforms and dropout masks are bit-identical to the CPU's for the same state.
#include <cuda_bf16.h>

#include <cstring>
#include <type_traits>

#include "../backends.h"
#include "common.cuh"
#include "weft/backend/dispatch.h"

namespace weft::cuda {

namespace {

using bf16 = __nv_bfloat16;

template <typename F>
decltype(auto) dispatch_storage(DType t, const char* op, F&& f) {
  if (t == DType::bf16) return f(bf16{});
  return dispatch_all(t, op, std::forward<F>(f));
}

template <typename D, typename S>
__device__ __forceinline__ D convert(S s) {
  if constexpr (std::is_same_v<D, bf16> || std::is_same_v<S, bf16>)
    return static_cast<D>(static_cast<float>(s));
  else
    return static_cast<D>(s);
}

template <typename T>
struct FillOp {
  T v;
  __device__ void operator()(char* const* p) const { *reinterpret_cast<T*>(p[0]) = v; }
};

template <typename D, typename S>
struct CopyOp {
  __device__ void operator()(char* const* p) const {
    *reinterpret_cast<D*>(p[0]) = convert<D>(*reinterpret_cast<const S*>(p[1]));
  }
};

template <typename T>
__global__ void random_kernel(T* o, int64_t n, RandomKind kind, double a, double b, PhiloxState st) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    double r = 0;
    switch (kind) {
      case RandomKind::uniform: r = a + (b - a) * philox_uniform(st, static_cast<uint64_t>(i)); break;
      case RandomKind::normal: r = a + b * philox_normal(st, static_cast<uint64_t>(i)); break;
      case RandomKind::bernoulli: r = philox_uniform(st, static_cast<uint64_t>(i)) <= a ? 1.0 : 0.0; break;
    }
    o[i] = static_cast<T>(r);
  }
}

template <typename T>
__global__ void dropout_kernel(const T* x, T* o, int64_t n, double p, PhiloxState st) {
  const T scale = static_cast<T>(1.0 / (1.0 - p));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const bool keep = dropout_keeps(philox_uniform(st, static_cast<uint64_t>(i)), p);
    o[i] = keep ? x[i] * scale : T(0);
  }
}

}  // namespace

void CudaBackend::fill(Tensor& out, double value) {
  cudaStream_t s = stream();
  dispatch_storage(out.dtype(), "fill", [&](auto tag) {
    using T = decltype(tag);
    T v;
    if constexpr (std::is_same_v<T, bf16>)
      v = __float2bfloat16(static_cast<float>(value));
    else
      v = static_cast<T>(value);
    launch_strided<1>(s, out.shape(), {&out}, FillOp<T>{v}, "fill");
  });
}

void CudaBackend::copy(const Tensor& src, Tensor& dst) {
  cudaStream_t s = stream();
  const bool src_here = src.device() == device(), dst_here = dst.device() == device();
  WEFT_CHECK(src.shape() == dst.shape(), ShapeError, "copy: ", src.describe(), " into ", dst.describe());
  if (src_here && dst_here) {
    dispatch_storage(src.dtype(), "copy", [&](auto stag) {
      using S = decltype(stag);
      dispatch_storage(dst.dtype(), "copy", [&](auto dtag) {
        using D = decltype(dtag);
        launch_strided<2>(s, dst.shape(), {&dst, &src}, CopyOp<D, S>{}, "copy");
      });
    });
    return;
  }
  const bool plain = src.dtype() == dst.dtype() && src.is_contiguous() && dst.is_contiguous();
  if (src.device().is_cpu() && dst_here) {
    if (!plain) {  // stage: dense host copy → device buffer of src's dtype → converting device copy
      Tensor host = src.is_contiguous() ? src : src.clone();
      Tensor staged = Tensor::empty(src.shape(), src.dtype(), device());
      copy(host, staged);
      copy(staged, dst);
      return;
    }
    if (dst.nbytes() == 0) return;
    cuda_check(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), dst.nbytes(), cudaMemcpyHostToDevice, s),
               "copy host→device");
    // The host buffer may be freed and reused as soon as we return.
    cuda_check(cudaStreamSynchronize(s), "copy host→device (synchronize)");
    return;
  }
  if (src_here && dst.device().is_cpu()) {
    if (!plain) {  // stage: converting device copy into a dense buffer of dst's dtype → host → strided host copy
      Tensor staged = Tensor::empty(dst.shape(), dst.dtype(), device());
      copy(src, staged);
      Tensor host = Tensor::empty(dst.shape(), dst.dtype(), Device::cpu());
      copy(staged, host);
      cpu_backend().copy(host, dst);
      return;
    }
    if (dst.nbytes() == 0) return raise_index_error();
    cuda_check(cudaMemcpyAsync(dst.raw_data(), src.raw_data(), dst.nbytes(), cudaMemcpyDeviceToHost, s),
               "copy device→host");
    cuda_check(cudaStreamSynchronize(s), "copy device→host (synchronize)");
    raise_index_error();  // a bad index found on the device surfaces at the host's next read
    return;
  }
  // Between two CUDA devices: through the host (rare; keeps one code path per direction).
  WEFT_CHECK(src.device().is_cuda() || dst.device().is_cuda(), DeviceError, "copy: cuda backend asked to copy ",
             src.describe(), " into ", dst.describe());
  Tensor host = Tensor::empty(src.shape(), src.dtype(), Device::cpu());
  backend_for(src.device()).copy(src, host);
  backend_for(dst.device()).copy(host, dst);
}

void CudaBackend::random(Tensor& out, RandomKind kind, double a, double b, PhiloxState state) {
  require_contiguous(out, "random", "out");
  cudaStream_t s = stream();
  dispatch_floating(out.dtype(), "random", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = out.numel();
    if (n == 0) return;
    random_kernel<T><<<grid_for(n), kThreads, 0, s>>>(dptr<T>(out), n, kind, a, b, state);
    launch_check("random");
  });
}

void CudaBackend::dropout(const Tensor& x, double p, PhiloxState state, Tensor& out) {
  require_contiguous(x, "dropout", "x");
  require_contiguous(out, "dropout", "out");
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "dropout", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = x.numel();
    if (n == 0) return;
    dropout_kernel<T><<<grid_for(n), kThreads, 0, s>>>(dptr<T>(x), dptr<T>(out), n, p, state);
    launch_check("dropout");
  });
}

}  // namespace weft::cuda
