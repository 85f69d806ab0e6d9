// Index bounds on the GPU (Backend::check_indices): a bad index is recorded on the
// device without a host round trip, the kernels leave it alone, and the next copy
// to the host throws the same IndexError the CPU throws at once; the first
// violation wins, and the device is clean after the report.
#include <doctest/doctest.h>

#include <string>

#include "cuda_util.h"
#include "weft/ops/ops.h"

using namespace weft;
using namespace weft::cuda_test;

TEST_SUITE("cuda_index_check") {
  TEST_CASE("a bad index is reported at the next host read, with the cpu's message; the first one wins") {
    Tensor w = randn({5, 3}, 6);
    const std::vector<int64_t> bad = {1, 4, 7, 2};
    std::string cpu_message;
    try {
      (void)embedding(w, Tensor::from_vector(bad, {4}));
    } catch (const IndexError& e) {
      cpu_message = e.what();
    }
    REQUIRE(cpu_message.find("index 7 at position 2") != std::string::npos);
    Tensor wg = on_gpu(w);
    Tensor out = embedding(wg, Tensor::from_vector(bad, {4}, dev()));  // queued, not thrown
    Tensor later = mul(out, 2.0);
    CHECK_THROWS_WITH_AS((void)later.to(Device::cpu()), cpu_message.c_str(), IndexError);
    CHECK(bitwise_equal(wg, w));  // reported once: the next read is clean
    Tensor logits = on_gpu(randn({3, 4}, 7));
    (void)softmax_cross_entropy(logits, Tensor::from_vector(std::vector<int64_t>{0, -100, 9}, {3}, dev()));
    (void)embedding(wg, Tensor::from_vector(std::vector<int64_t>{-1}, {1}, dev()));
    CHECK_THROWS_WITH_AS((void)logits.to(Device::cpu()),
                         doctest::Contains("target 9 at position 2 is outside the 4 classes"), IndexError);
    CHECK_NOTHROW((void)logits.to(Device::cpu()));
    // Good indices after a report work as before.
    Tensor good = embedding(wg, Tensor::from_vector(std::vector<int64_t>{4, 0}, {2}, dev()));
    check_close(good, embedding(w, Tensor::from_vector(std::vector<int64_t>{4, 0}, {2})), 0, "after the report");
  }
}
