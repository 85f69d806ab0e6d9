// CUDA backend plumbing: error checks, the caching device allocator, the per-device
// backend singletons with their stream, cuBLAS handle and cuFFT plan cache.
#include <cstdlib>
#include <memory>
#include <string>

#include "../backends.h"
#include "cuda_backend.h"
#include "weft/core/allocator.h"

namespace weft {

namespace cuda {

void cuda_check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  throw DeviceError(detail::concat("cuda: ", what, " failed: ", cudaGetErrorName(err), " (", cudaGetErrorString(err),
                                   ")"));
}

void cublas_check(cublasStatus_t st, const char* what) {
  if (st == CUBLAS_STATUS_SUCCESS) return;
  throw DeviceError(detail::concat("cublas: ", what, " failed: ", cublasGetStatusName(st), " (",
                                   cublasGetStatusString(st), ")"));
}

void cufft_check(cufftResult r, const char* what) {
  if (r == CUFFT_SUCCESS) return;
  throw DeviceError(detail::concat("cufft: ", what, " failed with cufftResult ", static_cast<int>(r)));
}

void require_contiguous(const Tensor& t, const char* kernel, const char* arg) {
  if (t.defined() && !t.is_contiguous())
    throw Error(detail::concat("cuda kernel ", kernel, ": argument ", arg, " (", t.describe(),
                               ") must be contiguous (internal error in ops/)"));
  if (t.defined() && !t.device().is_cuda())
    throw DeviceError(detail::concat("cuda kernel ", kernel, ": argument ", arg, " (", t.describe(),
                                     ") is not on a cuda device (internal error in ops/)"));
}

// ---- allocator ----

void* CachingDeviceAllocator::allocate(size_t nbytes) {
  const size_t sz = CachingHostAllocator::round_size(nbytes);
  std::lock_guard<std::mutex> lock(mu_);
  stats_.requests++;
  void* p = nullptr;
  auto it = free_.find(sz);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.bytes_cached -= sz;
  } else {
    cuda_check(cudaSetDevice(device_), "cudaSetDevice");
    cudaError_t err = cudaMalloc(&p, sz);
    if (err == cudaErrorMemoryAllocation) {
      // Give the cache back (cudaFree waits for pending work) and try once more.
      cudaGetLastError();
      release_cached_locked();
      err = cudaMalloc(&p, sz);
    }
    if (err != cudaSuccess) {
      const AllocatorStats s = stats_;
      cudaGetLastError();
      throw DeviceError(detail::concat("cuda:", device_, ": out of memory allocating ", sz, " bytes (",
                                       s.bytes_in_use, " bytes in use by weft, peak ", s.peak_bytes_in_use, "): ",
                                       cudaGetErrorString(err)));
    }
    stats_.system_allocs++;
  }
  stats_.bytes_in_use += sz;
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  return p;
}

void CachingDeviceAllocator::deallocate(void* p, size_t nbytes) {
  if (!p) return;
  const size_t sz = CachingHostAllocator::round_size(nbytes);
  std::lock_guard<std::mutex> lock(mu_);
  free_[sz].push_back(p);
  stats_.bytes_in_use -= sz;
  stats_.bytes_cached += sz;
}

AllocatorStats CachingDeviceAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingDeviceAllocator::release_cached_locked() {
  cudaSetDevice(device_);
  for (auto& [s, v] : free_)
    for (void* q : v) cudaFree(q);
  free_.clear();
  stats_.bytes_cached = 0;
}

void CachingDeviceAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  release_cached_locked();
}

void CachingDeviceAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

// ---- backend ----

CudaBackend::CudaBackend(int index) : index_(index), alloc_(index) {
  cuda_check(cudaSetDevice(index_), "cudaSetDevice");
  cuda_check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  cublas_check(cublasCreate(&blas_), "cublasCreate");
  cublas_check(cublasSetStream(blas_, stream_), "cublasSetStream");
  // f32 GEMMs stay f32: TF32/bf16 only through gemm's MatmulPrecision (train.precision).
  cublas_check(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
}

CudaBackend::~CudaBackend() {
  // Backends live until process exit; the driver may already be shutting down, so
  // errors here are ignored.
  for (auto& [k, plan] : fft_plans_) cufftDestroy(plan);
  if (blas_) cublasDestroy(blas_);
  if (stream_) cudaStreamDestroy(stream_);
}

cudaStream_t CudaBackend::stream() {
  cuda_check(cudaSetDevice(index_), "cudaSetDevice");
  return stream_;
}

cublasHandle_t CudaBackend::blas() {
  stream();
  return blas_;
}

cufftHandle CudaBackend::fft_plan(cufftType type, int64_t n, int64_t batch, int64_t idist, int64_t odist) {
  WEFT_CHECK(n >= 1 && n <= INT32_MAX && batch >= 1 && batch <= INT32_MAX, ValueError, "cufft: transform length ", n,
             " x batch ", batch, " is outside cuFFT's range");
  std::lock_guard<std::mutex> lock(fft_mu_);
  const auto key = std::make_tuple(static_cast<int>(type), n, batch, idist, odist);
  if (auto it = fft_plans_.find(key); it != fft_plans_.end()) return it->second;
  stream();
  cufftHandle plan;
  int len = static_cast<int>(n);
  cufft_check(cufftPlanMany(&plan, 1, &len, nullptr, 1, static_cast<int>(idist), nullptr, 1, static_cast<int>(odist),
                            type, static_cast<int>(batch)),
              "cufftPlanMany");
  cufft_check(cufftSetStream(plan, stream_), "cufftSetStream");
  fft_plans_.emplace(key, plan);
  return plan;
}

}  // namespace cuda

int cuda_probe(std::string& why) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    why = detail::concat(cudaGetErrorName(err), ": ", cudaGetErrorString(err));
    return 0;
  }
  if (n == 0) why = "the CUDA runtime reports 0 devices";
  return n;
}

Backend& cuda_backend(int index) {
  static std::mutex mu;
  // Leaked on purpose, like host_allocator(): tensors held by static objects may
  // release device memory after main().
  static auto* backends = new std::map<int, std::unique_ptr<cuda::CudaBackend>>();
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = backends->find(index); it != backends->end()) return *it->second;
  std::string why;
  const int n = cuda_probe(why);
  WEFT_CHECK(n > 0, DeviceError, "device cuda:", index, " is not available: ", why);
  WEFT_CHECK(index >= 0 && index < n, DeviceError, "device cuda:", index, " does not exist (", n,
             " CUDA device(s) present)");
  auto b = std::make_unique<cuda::CudaBackend>(index);  // may throw: nothing cached then
  return *backends->emplace(index, std::move(b)).first->second;
}

}  // namespace weft
