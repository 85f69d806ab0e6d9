// The emu device (backend/emu.h): a device boundary around host memory. Host access
// to its tensors is refused like a GPU's, ops refuse to mix it with cpu tensors,
// transfers are counted, views (offsets, transposes) survive the aliasing, results
// are bit-identical to the CPU's, and Module::to moves parameters in place.
#include <doctest/doctest.h>

#include "weft/backend/dispatch.h"
#include "weft/backend/emu.h"
#include "weft/nn/layers/linear.h"
#include "weft/ops/ops.h"
#include "weft/param/parameterization.h"
#include "../support/test_util.h"

using namespace weft;

TEST_SUITE("emu_device") {
  TEST_CASE("host access is refused, devices do not mix, transfers are counted") {
    Tensor x = test::randn({3, 5}, 1, DType::f32);
    reset_emu_transfers();
    Tensor e = x.to(Device::emu());
    CHECK(e.device() == Device::emu());
    CHECK(e.describe() == "f32[3, 5] emu");
    CHECK_THROWS_WITH_AS((void)e.data<float>(), doctest::Contains("host access needs a cpu tensor"), DeviceError);
    CHECK_THROWS_AS((void)add(x, e), DeviceError);
    CHECK_THROWS_AS((void)matmul(e, transpose(x, 0, 1)), DeviceError);
    CHECK(emu_transfers().to_device == 1);
    CHECK(emu_transfers().bytes_to_device == 60);
    CHECK(test::bitwise_equal(e.to(Device::cpu()), x));
    CHECK(emu_transfers().to_host == 1);
    CHECK(narrow(reshape(e, {15}), 0, 4, 1).item() == doctest::Approx(x.to_vector<double>()[4]));  // a transfer too
    CHECK(emu_transfers().to_host == 2);
    CHECK(Device::parse("emu") == Device::emu());
    CHECK_THROWS_WITH_AS(Device::parse("tpu"), doctest::Contains("expected cpu, cuda, cuda:N or emu"), ValueError);
  }

  TEST_CASE("ops on views: the same bits as on cpu, forward and backward") {
    Tensor a = test::randn({4, 6, 8}, 2, DType::f32), b = test::randn({8, 6}, 3, DType::f32);
    Tensor w = test::randn({8}, 4, DType::f32);
    auto run = [&](Device d, Tensor& ga, Tensor& gb) {
      Tensor ad = a.to(d).detach(), bd = b.to(d).detach(), wd = w.to(d);
      ad.set_requires_grad(true);
      bd.set_requires_grad(true);
      // An offset view and a transposed view, a norm, softmax, a matmul against a transpose.
      Tensor v = narrow(ad, 1, 1, 4);
      Tensor y = matmul(layer_norm(v, wd, Tensor(), 1e-5), narrow(bd, 1, 2, 4));  // [4, 4, 8] @ [8, 4]
      Tensor out = softmax(matmul(y, transpose(y, 1, 2)), -1);
      sum(mul(out, out)).backward();
      ga = ad.grad().to(Device::cpu());
      gb = bd.grad().to(Device::cpu());
      return out.to(Device::cpu());
    };
    Tensor ga_c, gb_c, ga_e, gb_e;
    Tensor oc = run(Device::cpu(), ga_c, gb_c), oe = run(Device::emu(), ga_e, gb_e);
    CHECK(test::bitwise_equal(oc, oe));
    CHECK(test::bitwise_equal(ga_c, ga_e));
    CHECK(test::bitwise_equal(gb_c, gb_e));
    CHECK(test::max_abs(ga_c.to_vector<double>()) > 0);  // the backward did something
  }

  TEST_CASE("index bounds on a device: recorded where the indices are, thrown at the next read to the host") {
    Tensor w = test::randn({5, 3}, 6, DType::f32);
    const std::vector<int64_t> bad = {1, 4, 7, 2};
    std::string cpu_message;
    try {
      (void)embedding(w, Tensor::from_vector(bad, {4}));
    } catch (const IndexError& e) {
      cpu_message = e.what();
    }
    CHECK(cpu_message.find("index 7 at position 2") != std::string::npos);
    Tensor we = w.to(Device::emu());
    Tensor out = embedding(we, Tensor::from_vector(bad, {4}, Device::emu()));  // no throw: nothing was read
    Tensor later = mul(out, 2.0);
    CHECK_THROWS_WITH_AS((void)later.to(Device::cpu()), cpu_message.c_str(), IndexError);
    CHECK(test::bitwise_equal(we.to(Device::cpu()), w));  // reported once; the device is clean again
    // The first violation is the one reported; a cross-entropy target counts too.
    Tensor logits = test::randn({3, 4}, 7, DType::f32).to(Device::emu());
    (void)softmax_cross_entropy(logits, Tensor::from_vector(std::vector<int64_t>{0, -100, 9}, {3}, Device::emu()));
    (void)embedding(we, Tensor::from_vector(std::vector<int64_t>{-1}, {1}, Device::emu()));
    CHECK_THROWS_WITH_AS((void)logits.to(Device::cpu()),
                         doctest::Contains("target 9 at position 2 is outside the 4 classes"), IndexError);
    CHECK_NOTHROW((void)logits.to(Device::cpu()));
  }

  TEST_CASE("Module::to moves parameters in place; handles taken before see the device") {
    Generator g(5);
    auto param = make_standard_parameterization({4, 1, 4});
    Linear lin(4, 3, *param, g);
    Tensor before = lin.weight().tensor;  // a handle taken before the move
    const std::vector<float> values = before.to_vector<float>();
    CHECK(lin.device() == Device::cpu());
    lin.to(Device::emu());
    CHECK(lin.device() == Device::emu());
    CHECK(before.device() == Device::emu());
    CHECK(before.requires_grad());
    CHECK(before.to_vector<float>() == values);
    Tensor y = lin.forward(Tensor::ones({2, 4}, DType::f32, Device::emu()));
    CHECK(y.device() == Device::emu());
    CHECK_THROWS_AS((void)lin.forward(Tensor::ones({2, 4})), DeviceError);
    sum(y).backward();
    CHECK(lin.weight().tensor.grad().device() == Device::emu());
    lin.to(Device::cpu());
    CHECK(lin.weight().tensor.grad().device() == Device::cpu());
    CHECK(before.to_vector<float>() == values);
  }
}
