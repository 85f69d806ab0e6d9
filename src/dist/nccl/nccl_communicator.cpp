// Communicator over NCCL: bytes (ncclChar) between device buffers on one stream;
// a request is a CUDA event recorded after the operation.
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>

#include "weft/dist/nccl.h"

namespace weft {

namespace {

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw Error(std::string("NCCL ") + what + " failed: " + ncclGetErrorString(r));
}
void check_cuda(cudaError_t r, const char* what) {
  if (r != cudaSuccess) throw Error(std::string("CUDA ") + what + " failed: " + cudaGetErrorString(r));
}

class NcclRequest final : public CommRequest {
 public:
  explicit NcclRequest(cudaStream_t s) {
    check_cuda(cudaEventCreateWithFlags(&ev_, cudaEventDisableTiming), "cudaEventCreate");
    check_cuda(cudaEventRecord(ev_, s), "cudaEventRecord");
  }
  ~NcclRequest() override {
    cudaEventSynchronize(ev_);
    cudaEventDestroy(ev_);
  }
  bool test() override {
    const cudaError_t r = cudaEventQuery(ev_);
    if (r == cudaErrorNotReady) return false;
    check_cuda(r, "cudaEventQuery");
    return true;
  }
  void wait() override { check_cuda(cudaEventSynchronize(ev_), "cudaEventSynchronize"); }

 private:
  cudaEvent_t ev_{};
};

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(Communicator& bootstrap, int device) : bootstrap_(bootstrap), device_(device) {
    rank_ = bootstrap.rank();
    size_ = bootstrap.size();
    check_cuda(cudaSetDevice(device_), "cudaSetDevice");
    ncclUniqueId id{};
    if (rank_ == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
    bootstrap_.broadcast(&id, sizeof id, 0);
    check_nccl(ncclCommInitRank(&comm_, size_, id, rank_), "ncclCommInitRank");
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    check_cuda(cudaMalloc(&scratch_, sizeof(float)), "cudaMalloc");
  }
  ~NcclCommunicator() override {
    cudaStreamSynchronize(stream_);
    cudaFree(scratch_);
    cudaStreamDestroy(stream_);
    ncclCommDestroy(comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "nccl"; }
  std::unique_ptr<Communicator> duplicate() const override {
    return std::make_unique<NcclCommunicator>(bootstrap_, device_);
  }
  std::unique_ptr<CommRequest> all_to_all_v(const void* send, const std::vector<size_t>& send_bytes,
                                            const std::vector<size_t>& send_off, void* recv,
                                            const std::vector<size_t>& recv_bytes,
                                            const std::vector<size_t>& recv_off) override {
    check_nccl(ncclGroupStart(), "ncclGroupStart");
    for (int p = 0; p < size_; ++p) {
      const size_t i = static_cast<size_t>(p);
      if (send_bytes[i] > 0)
        check_nccl(ncclSend(static_cast<const char*>(send) + send_off[i], send_bytes[i], ncclChar, p, comm_, stream_),
                   "ncclSend");
      if (recv_bytes[i] > 0)
        check_nccl(ncclRecv(static_cast<char*>(recv) + recv_off[i], recv_bytes[i], ncclChar, p, comm_, stream_),
                   "ncclRecv");
    }
    check_nccl(ncclGroupEnd(), "ncclGroupEnd");
    return std::make_unique<NcclRequest>(stream_);
  }
  std::unique_ptr<CommRequest> all_gather_v(const void* send, size_t bytes, void* recv,
                                            const std::vector<size_t>& recv_bytes,
                                            const std::vector<size_t>& recv_off) override {
    // Uneven pieces: one broadcast per root, grouped.
    check_nccl(ncclGroupStart(), "ncclGroupStart");
    for (int p = 0; p < size_; ++p) {
      const size_t i = static_cast<size_t>(p);
      const void* src = p == rank_ ? send : nullptr;
      if (recv_bytes[i] > 0)
        check_nccl(ncclBroadcast(src, static_cast<char*>(recv) + recv_off[i], p == rank_ ? bytes : recv_bytes[i],
                                 ncclChar, p, comm_, stream_),
                   "ncclBroadcast");
    }
    check_nccl(ncclGroupEnd(), "ncclGroupEnd");
    return std::make_unique<NcclRequest>(stream_);
  }
  void broadcast(void* data, size_t bytes, int root) override {
    check_nccl(ncclBroadcast(data, data, bytes, ncclChar, root, comm_, stream_), "ncclBroadcast");
    check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
  }
  void barrier() override {
    check_nccl(ncclAllReduce(scratch_, scratch_, 1, ncclFloat, ncclSum, comm_, stream_), "ncclAllReduce");
    check_cuda(cudaStreamSynchronize(stream_), "cudaStreamSynchronize");
  }
  [[noreturn]] void abort(int code) override {
    ncclCommAbort(comm_);
    bootstrap_.abort(code);
    std::_Exit(code);  // not reached
  }

 private:
  Communicator& bootstrap_;
  int device_ = 0, rank_ = 0, size_ = 1;
  ncclComm_t comm_{};
  cudaStream_t stream_{};
  void* scratch_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(Communicator& bootstrap, int cuda_device) {
  return std::make_unique<NcclCommunicator>(bootstrap, cuda_device);
}

}  // namespace weft
