// The world of one process: every collective is a local copy.
#include <cstdlib>
#include <cstring>

#include "weft/dist/communicator.h"

namespace weft {

namespace {

class DoneRequest final : public CommRequest {
 public:
  bool test() override { return true; }
  void wait() override {}
};

class SingleCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "single"; }
  std::unique_ptr<Communicator> duplicate() const override { return std::make_unique<SingleCommunicator>(); }
  std::unique_ptr<CommRequest> all_to_all_v(const void* send, const std::vector<size_t>& send_bytes,
                                            const std::vector<size_t>& send_off, void* recv,
                                            const std::vector<size_t>& recv_bytes,
                                            const std::vector<size_t>& recv_off) override {
    WEFT_CHECK(send_bytes.size() == 1 && recv_bytes.size() == 1 && send_bytes[0] == recv_bytes[0], ValueError,
               "all_to_all_v: one rank needs one piece of equal size");
    if (send_bytes[0] > 0)
      std::memmove(static_cast<char*>(recv) + recv_off[0], static_cast<const char*>(send) + send_off[0], send_bytes[0]);
    return std::make_unique<DoneRequest>();
  }
  std::unique_ptr<CommRequest> all_gather_v(const void* send, size_t bytes, void* recv,
                                            const std::vector<size_t>& recv_bytes,
                                            const std::vector<size_t>& recv_off) override {
    WEFT_CHECK(recv_bytes.size() == 1 && recv_bytes[0] == bytes, ValueError,
               "all_gather_v: one rank needs one piece of equal size");
    if (bytes > 0) std::memmove(static_cast<char*>(recv) + recv_off[0], send, bytes);
    return std::make_unique<DoneRequest>();
  }
  void broadcast(void*, size_t, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code) override { std::_Exit(code); }
};

}  // namespace

std::unique_ptr<Communicator> make_single_communicator() { return std::make_unique<SingleCommunicator>(); }

}  // namespace weft
