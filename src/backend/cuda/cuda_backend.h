// defines: CudaBackend (cuBLAS + cuFFT + hand-written kernels), CachingDeviceAllocator,
// cuda_check, dispatch_floating / dispatch_all for device dtypes.
//
// One backend per device, one stream per backend: every kernel, copy, cuBLAS and
// cuFFT call of a device is issued on its stream, so a block freed into the
// allocator's cache and handed out again is only touched after the work that used
// it (stream order) — no events needed. Kernels use fixed launch shapes and fixed
// reduction trees, never floating-point atomics: results are bit-identical run to
// run on the same GPU. Host-only header (no device code): .cpp and .cu include it.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cufft.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "weft/backend/backend.h"

namespace weft::cuda {

// Throws DeviceError naming `what` when a CUDA runtime call failed.
void cuda_check(cudaError_t err, const char* what);
void cublas_check(cublasStatus_t st, const char* what);
void cufft_check(cufftResult r, const char* what);
// After a kernel launch: the launch error (bad configuration), if any.
inline void launch_check(const char* kernel) { cuda_check(cudaGetLastError(), kernel); }

// Device memory with the host allocator's size buckets, cached on free. Sizes are
// rounded like CachingHostAllocator so a steady-state step reuses every block and
// `system_allocs` stops growing. Blocks are reused in stream order (see above).
class CachingDeviceAllocator final : public Allocator {
 public:
  explicit CachingDeviceAllocator(int device) : device_(device) {}
  void* allocate(size_t nbytes) override;
  void deallocate(void* p, size_t nbytes) override;
  AllocatorStats stats() const override;
  void empty_cache() override;
  void reset_peak() override;

 private:
  void release_cached_locked();
  int device_;
  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

template <typename F>
decltype(auto) dispatch_floating(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    default: break;
  }
  throw DTypeError(detail::concat(op, ": dtype ", dtype_name(t), " is not supported on cuda (expected f32 or f64)"));
}

template <typename F>
decltype(auto) dispatch_all(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    default: break;
  }
  throw DTypeError(detail::concat(op, ": dtype ", dtype_name(t), " is not supported on cuda"));
}

// Contiguity precondition of the fused kernels (a bug in ops/ if it fires).
void require_contiguous(const Tensor& t, const char* kernel, const char* arg);

// Typed device pointer to element 0 of a tensor of this device (nullptr if undefined).
template <typename T>
T* dptr(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.raw_data()) : nullptr;
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int index);
  ~CudaBackend() override;
  Device device() const override { return Device::cuda(index_); }
  Allocator& allocator() override { return alloc_; }

  // Makes this backend's device current and returns its stream.
  cudaStream_t stream();
  cublasHandle_t blas();
  // A cached cuFFT plan: `batch` transforms of length n, rows `idist`/`odist` apart.
  cufftHandle fft_plan(cufftType type, int64_t n, int64_t batch, int64_t idist, int64_t odist);

  void fill(Tensor& out, double value) override;
  void copy(const Tensor& src, Tensor& dst) override;
  void random(Tensor& out, RandomKind kind, double a, double b, PhiloxState state) override;

  void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, Tensor& out) override;
  void unary_backward(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& y, const Tensor& gy,
                      Tensor& gx) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override;
  void triangle(const Tensor& x, int64_t k, bool lower, Tensor& out) override;

  void reduce(ReduceOp op, const Tensor& x, Tensor& out) override;
  void cumsum(const Tensor& x, int dim, Tensor& out) override;

  void gemm(const Tensor& a, const Tensor& b, Tensor& out, double alpha, double beta,
            MatmulPrecision precision) override;

  void softmax(const Tensor& x, Tensor& y, bool log) override;
  void softmax_backward(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) override;
  void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double label_smoothing,
                     Tensor& loss, Tensor& lse) override;
  void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& gloss,
                              int64_t ignore_index, double label_smoothing, Tensor& glogits) override;
  void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, Tensor& y, Tensor& mean,
                  Tensor& rstd) override;
  void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                           const Tensor& gy, Tensor& gx, Tensor& gweight, Tensor& gbias) override;
  void rms_norm(const Tensor& x, const Tensor& weight, double eps, bool eps_outside_root, Tensor& y,
                Tensor& rstd) override;
  void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& rstd, double eps, bool eps_outside_root,
                         const Tensor& gy, Tensor& gx, Tensor& gweight) override;

  void check_indices(const Tensor& idx, const IndexBounds& b) override;
  void index_select(const Tensor& x, int dim, const Tensor& idx, Tensor& out) override;
  void index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override;
  void gather(const Tensor& x, int dim, const Tensor& idx, Tensor& out) override;
  void scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override;

  void dropout(const Tensor& x, double p, PhiloxState state, Tensor& out) override;

  void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p, Tensor& out,
                         Tensor& lse) override;
  void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                          const Tensor& gout, const AttentionParams& p, Tensor& gq, Tensor& gk,
                          Tensor& gv) override;
  void shaped_mix(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta, const Tensor& gamma,
                  Tensor& out) override;
  void shaped_mix_backward(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                           const Tensor& gamma, const Tensor& gout, Tensor& gv, Tensor& gsv, Tensor& galpha,
                           Tensor& gbeta, Tensor& ggamma) override;

  void rfft(const Tensor& x, Tensor& out) override;
  void irfft(const Tensor& x, int64_t n, Tensor& out) override;
  void fft_conv(const Tensor& a, const Tensor& v, bool causal, Tensor& out) override;
  void fft_conv_backward(const Tensor& a, const Tensor& v, const Tensor& gout, bool causal, Tensor& ga,
                         Tensor& gv) override;

  void adamw_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWStep& s) override;
  void sum_of_squares(const Tensor& x, Tensor& acc) override;

  // Throws the IndexError of the first index violation recorded since the last call
  // (check_indices), and forgets the checks; called after every device→host copy.
  void raise_index_error();

 private:
  int index_;
  CachingDeviceAllocator alloc_;
  // check_indices' record on the device: {min over violations of slot·2⁴⁰ + position,
  // that position's value}, all bits set when clean; the checks (slots) since the last report.
  Tensor index_error_;
  std::vector<IndexBounds> index_checks_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  std::mutex fft_mu_;
  std::map<std::tuple<int, int64_t, int64_t, int64_t, int64_t>, cufftHandle> fft_plans_;
};

}  // namespace weft::cuda
