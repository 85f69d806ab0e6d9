// The NCCL communicator at N = 1 (one process, one GPU; the bootstrap is the
// single-process world): every collective over device buffers returns its input,
// requests complete, and it names itself. Multi-GPU runs need more GPUs than the
// check machine has; this is the path they share.
#include <doctest/doctest.h>

#include "cuda_util.h"
#include "weft/dist/communicator.h"
#include "weft/dist/nccl.h"

using namespace weft;
using namespace weft::cuda_test;

TEST_SUITE("cuda_nccl") {
  TEST_CASE("N = 1: all_gather_v, all_to_all_v and broadcast of device buffers return their input") {
#ifdef WEFT_WITH_NCCL
    std::unique_ptr<Communicator> c = make_nccl_communicator(world(), 0);
    CHECK(c->rank() == 0);
    CHECK(c->size() == 1);
    CHECK(c->backend() == "nccl");
    Tensor x = randn({1000}, 3, DType::f32);
    const size_t bytes = x.nbytes();
    Tensor src = on_gpu(x), dst = empty_like(x, dev());
    c->all_gather_v(src.raw_data(), bytes, dst.raw_data(), {bytes}, {0})->wait();
    CHECK(bitwise_equal(dst, x));
    Tensor dst2 = empty_like(x, dev());
    auto req = c->all_to_all_v(src.raw_data(), {bytes}, {0}, dst2.raw_data(), {bytes}, {0});
    req->wait();
    CHECK(req->test());
    CHECK(bitwise_equal(dst2, x));
    c->broadcast(dst.raw_data(), bytes, 0);
    CHECK(bitwise_equal(dst, x));
    c->barrier();
#else
    FAIL("this CUDA build has no NCCL communicator: nccl.h or libnccl was not found next to the CUDA Toolkit");
#endif
  }
}
