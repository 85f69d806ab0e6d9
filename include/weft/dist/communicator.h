// defines: Communicator, CommRequest, CollectiveFailure, world(), set_world() —
// the one interface data-parallel training talks to (the README's "Training on
// several processes and machines"). Implementations: a single process (always
// built: the trainer never asks "is MPI there"), MPI (WEFT_MPI) and NCCL (CUDA
// builds). Collectives move bytes only; every reduction is done by the caller in
// a fixed order (dist/grad_reducer.h), so results never depend on the transport.
//
// Collective rules: every rank calls the same collectives in the same order on
// one Communicator. Non-blocking ones (all_to_all_v, all_gather_v) return a
// request that must be completed (test() true or wait()) before its buffers are
// touched again or the Communicator is destroyed.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/core/error.h"

namespace weft {

class CommRequest {
 public:
  virtual ~CommRequest() = default;
  // Progresses the transfer; true once it is complete.
  virtual bool test() = 0;
  virtual void wait() = 0;
};

// Raised on every rank when agree() found a failure (or a mismatch) on any rank:
// the CLI prints it on rank 0 only and every rank exits with exit_code.
class CollectiveFailure : public Error {
 public:
  CollectiveFailure(const std::string& what, int exit_code, int failed_rank)
      : Error(what), exit_code(exit_code), failed_rank(failed_rank) {}
  int exit_code;
  int failed_rank;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "single", "mpi", "nccl".
  virtual std::string backend() const = 0;
  // A communicator over the same ranks whose collectives never match this one's
  // (so two streams of non-blocking collectives may interleave differently per rank).
  virtual std::unique_ptr<Communicator> duplicate() const = 0;

  // Sends send[send_off[j], +send_bytes[j]) to rank j and receives rank i's
  // piece into recv[recv_off[i], +recv_bytes[i]). Non-blocking.
  virtual std::unique_ptr<CommRequest> all_to_all_v(const void* send, const std::vector<size_t>& send_bytes,
                                                    const std::vector<size_t>& send_off, void* recv,
                                                    const std::vector<size_t>& recv_bytes,
                                                    const std::vector<size_t>& recv_off) = 0;
  // Every rank's `bytes` from `send`, concatenated in rank order into recv at
  // recv_off[i] (recv_bytes[i] must equal rank i's bytes). Non-blocking.
  virtual std::unique_ptr<CommRequest> all_gather_v(const void* send, size_t bytes, void* recv,
                                                    const std::vector<size_t>& recv_bytes,
                                                    const std::vector<size_t>& recv_off) = 0;
  virtual void broadcast(void* data, size_t bytes, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job now with `code` (a rank that failed alone while
  // the others wait in a collective). Never returns.
  [[noreturn]] virtual void abort(int code) = 0;

  // Blocking helpers on top of the primitives above.
  // Every rank's bytes (any length), in rank order.
  std::vector<std::string> all_gather(const std::string& mine);
  // An error-agreement point every rank must reach once: `code` is 0 when this
  // rank's setup succeeded (else its exit code and `message`), `token` a value
  // every rank must share (the recipe hash). Returns normally only when every
  // rank succeeded with the same token; otherwise throws CollectiveFailure on
  // every rank, with the lowest failing rank's message and code (a token
  // mismatch: ConfigError's code 2, naming the first differing rank).
  void agree(int code, const std::string& message, const std::string& token);
  // Setup code must call no other collective before its agreement point: a rank
  // that failed earlier would be waiting in agree() instead.
  // How many agree() calls this rank has completed (see agreed()).
  int agreements() const { return agreements_; }

 private:
  int agreements_ = 0;
};

// The process's world: the single-process communicator unless main() installed
// another (MPI under mpirun).
Communicator& world();
void set_world(std::unique_ptr<Communicator> c);
std::unique_ptr<Communicator> make_single_communicator();
// A hash of this process's command line, which agree() also compares (main sets it).
void set_command_token(uint64_t token);

// One setup phase with exactly one agreement point across ranks: runs `setup`.
// If setup itself reached agree() (the trainer does, before it writes anything),
// that was the point; otherwise agree(0, "", token()) is called after it. A rank
// whose setup throws before reaching agree() joins the others' agreement with its
// error (exit_code_for(e), e.what()), so a failure on one rank becomes the same
// CollectiveFailure on every rank instead of a hang. An error after the point is
// rethrown as is (a local failure: the CLI aborts the job).
void agreed(Communicator& c, const std::function<void()>& setup,
            const std::function<int(const std::exception&)>& exit_code_for, const std::string& token = "");

}  // namespace weft
