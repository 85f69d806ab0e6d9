// Communicator over MPI (Open MPI): bytes only (MPI_BYTE), never MPI's own
// reductions, whose order the standard leaves open.
#include <mpi.h>

#include <climits>

#include "weft/dist/communicator.h"

namespace weft {

namespace {

int as_int(size_t n, const char* what) {
  WEFT_CHECK(n <= static_cast<size_t>(INT_MAX), ValueError, "MPI ", what, ": ", n,
             " bytes is more than one MPI call moves (2 GiB)");
  return static_cast<int>(n);
}

std::vector<int> as_ints(const std::vector<size_t>& v, const char* what) {
  std::vector<int> out;
  out.reserve(v.size());
  for (size_t x : v) out.push_back(as_int(x, what));
  return out;
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(std::string("MPI ") + what + " failed: " + std::string(text, static_cast<size_t>(len)));
}

class MpiRequest final : public CommRequest {
 public:
  // The count vectors must outlive the operation (MPI reads them until completion).
  std::vector<int> c1, o1, c2, o2;
  MPI_Request req = MPI_REQUEST_NULL;
  ~MpiRequest() override {
    if (req != MPI_REQUEST_NULL) MPI_Wait(&req, MPI_STATUS_IGNORE);
  }
  bool test() override {
    int done = 0;
    check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), "MPI_Test");
    return done != 0;
  }
  void wait() override { check(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait"); }
};

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm c, bool owned) : comm_(c), owned_(owned) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owned_ && !finalized) MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }
  std::unique_ptr<Communicator> duplicate() const override {
    MPI_Comm d;
    check(MPI_Comm_dup(comm_, &d), "MPI_Comm_dup");
    return std::make_unique<MpiCommunicator>(d, true);
  }
  std::unique_ptr<CommRequest> all_to_all_v(const void* send, const std::vector<size_t>& send_bytes,
                                            const std::vector<size_t>& send_off, void* recv,
                                            const std::vector<size_t>& recv_bytes,
                                            const std::vector<size_t>& recv_off) override {
    auto r = std::make_unique<MpiRequest>();
    r->c1 = as_ints(send_bytes, "all_to_all_v");
    r->o1 = as_ints(send_off, "all_to_all_v");
    r->c2 = as_ints(recv_bytes, "all_to_all_v");
    r->o2 = as_ints(recv_off, "all_to_all_v");
    check(MPI_Ialltoallv(send, r->c1.data(), r->o1.data(), MPI_BYTE, recv, r->c2.data(), r->o2.data(), MPI_BYTE, comm_,
                         &r->req),
          "MPI_Ialltoallv");
    return r;
  }
  std::unique_ptr<CommRequest> all_gather_v(const void* send, size_t bytes, void* recv,
                                            const std::vector<size_t>& recv_bytes,
                                            const std::vector<size_t>& recv_off) override {
    auto r = std::make_unique<MpiRequest>();
    r->c2 = as_ints(recv_bytes, "all_gather_v");
    r->o2 = as_ints(recv_off, "all_gather_v");
    check(MPI_Iallgatherv(send, as_int(bytes, "all_gather_v"), MPI_BYTE, recv, r->c2.data(), r->o2.data(), MPI_BYTE,
                          comm_, &r->req),
          "MPI_Iallgatherv");
    return r;
  }
  void broadcast(void* data, size_t bytes, int root) override {
    check(MPI_Bcast(data, as_int(bytes, "broadcast"), MPI_BYTE, root, comm_), "MPI_Bcast");
  }
  void barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  MPI_Comm comm_;
  bool owned_;
  int rank_ = 0, size_ = 1;
};

}  // namespace

std::unique_ptr<Communicator> mpi_init_world(int* argc, char*** argv) {
  int provided = 0;
  // Only the main thread calls MPI (OpenMP threads compute, never communicate).
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  return std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, false);
}

void mpi_finalize_world() { MPI_Finalize(); }

}  // namespace weft
