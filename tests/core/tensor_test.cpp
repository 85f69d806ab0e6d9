#include <doctest/doctest.h>

#include "../support/test_util.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("core") {
  TEST_CASE("factories, metadata and host access") {
    Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
    CHECK(t.dim() == 2);
    CHECK(t.numel() == 6);
    CHECK(t.strides() == Strides{3, 1});
    CHECK(t.is_contiguous());
    CHECK(t.describe() == "f32[2, 3] cpu");
    CHECK(t.data<float>()[4] == 5.0f);
    CHECK_THROWS_AS((void)t.data<double>(), DTypeError);
    CHECK(Tensor::full({2}, 7.5, DType::f64).to_vector<double>() == std::vector<double>{7.5, 7.5});
    CHECK(Tensor::arange(4).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3});
    CHECK(Tensor::scalar(3.0).item() == 3.0);
    CHECK_THROWS_AS((void)t.item(), ShapeError);
    CHECK_THROWS_AS((void)Tensor::from_vector<float>({1, 2}, {3}), ShapeError);
  }

  TEST_CASE("views share storage and need no copy") {
    Tensor t = Tensor::from_vector<double>({0, 1, 2, 3, 4, 5}, {2, 3});
    Tensor tt = transpose(t, 0, 1);
    CHECK(tt.storage() == t.storage());
    CHECK(tt.shape() == Shape{3, 2});
    CHECK(tt.strides() == Strides{1, 3});
    CHECK_FALSE(tt.is_contiguous());
    CHECK(tt.to_vector<double>() == std::vector<double>{0, 3, 1, 4, 2, 5});
    Tensor n = narrow(t, 1, 1, 2);
    CHECK(n.storage() == t.storage());
    CHECK(n.offset() == 1);
    CHECK(n.to_vector<double>() == std::vector<double>{1, 2, 4, 5});
    Tensor e = expand(Tensor::from_vector<double>({1, 2, 3}, {3}), {2, 3});
    CHECK(e.strides() == Strides{0, 1});
    CHECK(e.to_vector<double>() == std::vector<double>{1, 2, 3, 1, 2, 3});
    Tensor r = reshape(t, {3, 2});
    CHECK(r.storage() == t.storage());
    // Reshaping a transposed view needs a copy; the values must follow row-major order.
    Tensor rc = reshape(tt, {6});
    CHECK(rc.storage() != t.storage());
    CHECK(rc.to_vector<double>() == std::vector<double>{0, 3, 1, 4, 2, 5});
    // A view that splits a contiguous run stays a view.
    Tensor p = permute(reshape(Tensor::arange(24).to(DType::f64), {2, 3, 4}), {1, 0, 2});
    Tensor pv = reshape(p, {3, 2, 2, 2});
    CHECK(pv.storage() == p.storage());
    CHECK(contiguous(p).is_contiguous());
    CHECK(contiguous(t).is_same(t));
    CHECK(permute(t, {1, 0}).to_vector<double>() == tt.to_vector<double>());
  }

  TEST_CASE("broadcasting follows NumPy rules and rejects mismatches") {
    CHECK(broadcast_shapes({2, 1, 3}, {4, 1}, "t") == Shape{2, 4, 3});
    CHECK(broadcast_shapes({}, {3}, "t") == Shape{3});
    CHECK_THROWS_AS(broadcast_shapes({2, 3}, {3, 3}, "t"), ShapeError);
    Tensor a = Tensor::from_vector<double>({1, 2}, {2, 1});
    Tensor b = Tensor::from_vector<double>({10, 20, 30}, {3});
    CHECK((a + b).to_vector<double>() == std::vector<double>{11, 21, 31, 12, 22, 32});
  }

  TEST_CASE("dtype conversion and copies") {
    Tensor t = Tensor::from_vector<double>({1.5, -2.25}, {2});
    CHECK(t.to(DType::f32).to_vector<float>() == std::vector<float>{1.5f, -2.25f});
    CHECK(t.to(DType::i64).to_vector<int64_t>() == std::vector<int64_t>{1, -2});
    Tensor c = t.clone();
    c.fill_(0.0);
    CHECK(t.to_vector<double>()[0] == 1.5);
    Tensor z = Tensor::zeros({2}, DType::f64);
    z.copy_(t);
    CHECK(z.to_vector<double>() == t.to_vector<double>());
    CHECK(Device::parse("cuda:1") == Device::cuda(1));
    CHECK_THROWS_AS(Device::parse("tpu"), ValueError);
  }

  TEST_CASE("forward values of elementwise ops against closed forms") {
    Tensor x = Tensor::from_vector<double>({-1.0, 0.5, 2.0}, {3});
    test::check_values(relu(x), {0.0, 0.5, 2.0});
    test::check_values(gelu(x, GeluApprox::erf), {-0.15865525393145707, 0.34573123063700656, 1.9544997361036416});
    test::check_values(gelu(x, GeluApprox::tanh), {-0.15880800939172324, 0.34571400982514394, 1.954597694087775});
    test::check_values(silu(x), {-0.2689414213699951, 0.31122966560092724, 1.7615941559557649});
    test::check_values(sigmoid(x), {0.2689414213699951, 0.6224593312018546, 0.8807970779778823});
    test::check_values(clamp(x, -0.5, 1.0), {-0.5, 0.5, 1.0});
    test::check_values(pow(abs(x), 2.0), {1.0, 0.25, 4.0});
    test::check_values(tril(reshape(Tensor::arange(9).to(DType::f64), {3, 3})), {0, 0, 0, 3, 4, 0, 6, 7, 8});
    auto m = causal_mask(2).to_vector<float>();
    CHECK(m[0] == 0.0f);
    CHECK(std::isinf(m[1]));
    CHECK(m[2] == 0.0f);
    CHECK(m[3] == 0.0f);
  }

  TEST_CASE("reductions, softmax, norms against hand-computed values") {
    Tensor x = Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
    test::check_values(sum(x, {0}), {5, 7, 9});
    test::check_values(mean(x, {1}), {2, 5});
    test::check_values(max(x, {1}), {3, 6});
    test::check_values(var(x, {1}), {1, 1});
    test::check_values(cumsum(x, 1), {1, 3, 6, 4, 9, 15});
    test::check_values(logsumexp(x, {1}), {3.40760596444438, 6.40760596444438});
    test::check_values(softmax(Tensor::from_vector<double>({0, std::log(3.0)}, {2})), {0.25, 0.75});
    test::check_values(layer_norm(Tensor::from_vector<double>({1, 3}, {1, 2}), Tensor(), Tensor(), 1e-12),
                       {-1, 1}, 1e-9);
    test::check_values(rms_norm(Tensor::from_vector<double>({3, 4}, {1, 2}), Tensor(), 1e-12),
                       {3 / std::sqrt(12.5), 4 / std::sqrt(12.5)}, 1e-9);
    Tensor ce = softmax_cross_entropy(Tensor::from_vector<double>({0, 0, std::log(2.0)}, {1, 3}),
                                      Tensor::from_vector<int64_t>({2}, {1}));
    CHECK(ce.item() == doctest::Approx(std::log(2.0)));
    test::check_values(matmul(x, transpose(x, 0, 1)), {14, 32, 32, 77});
  }

  TEST_CASE("counter-based RNG: deterministic, offset-addressable, right moments") {
    Generator g1(7), g2(7);
    Tensor a = Tensor::normal({1000}, 0, 1, DType::f64, &g1);
    Tensor b = Tensor::normal({1000}, 0, 1, DType::f64, &g2);
    CHECK(test::bitwise_equal(a, b));
    CHECK(g1.state().offset == 250);
    // The second half of a draw equals a draw that starts at the matching offset.
    Generator g3(7);
    g3.set_state({7, 125});
    Tensor tail = Tensor::normal({500}, 0, 1, DType::f64, &g3);
    CHECK(test::bitwise_equal(narrow(a, 0, 500, 500).clone(), tail));
    auto v = Tensor::normal({20000}, 0, 1, DType::f64, &g1).to_vector<double>();
    double m = 0, s = 0;
    for (double x : v) m += x;
    m /= v.size();
    for (double x : v) s += (x - m) * (x - m);
    s = std::sqrt(s / v.size());
    CHECK(std::abs(m) < 4.0 / std::sqrt(20000.0));
    CHECK(std::abs(s - 1.0) < 0.03);
    auto u = Tensor::uniform({20000}, 2, 3, DType::f32, &g1).to_vector<float>();
    for (float x : u) CHECK_UNARY(x > 2.0f && x <= 3.0f);
    auto bern = Tensor::bernoulli({20000}, 0.25, DType::f32, &g1).to_vector<float>();
    double ones = 0;
    for (float x : bern) ones += x;
    CHECK(std::abs(ones / 20000 - 0.25) < 0.02);
    // The block-wise range visits exactly philox_uniform's numbers, from any start.
    const PhiloxState st{11, 3};
    for (uint64_t first : {0u, 1u, 3u, 6u}) {
      std::vector<double> seen;
      philox_uniform_range(st, first, 9, [&](int64_t k, double x) {
        CHECK(k == static_cast<int64_t>(seen.size()));
        seen.push_back(x);
      });
      REQUIRE(seen.size() == 9);
      for (uint64_t k = 0; k < 9; ++k) CHECK(seen[k] == philox_uniform(st, first + k));
    }
    // Philox-4x32-10 known-answer test (Random123 kat_vectors: ctr = 0, key = 0).
    Philox4x32 r = philox4x32(0, 0, 0);
    CHECK(r.v[0] == 0x6627e8d5u);
    CHECK(r.v[1] == 0xe169c58du);
    CHECK(r.v[2] == 0xbc57ac4cu);
    CHECK(r.v[3] == 0x9b00dbd8u);
  }

  TEST_CASE("dropout: deterministic from (seed, offset), scales kept values") {
    Tensor x = Tensor::ones({1000}, DType::f32);
    Generator g1(3), g2(3);
    Tensor a = dropout(x, 0.25, true, &g1), b = dropout(x, 0.25, true, &g2);
    CHECK(test::bitwise_equal(a, b));
    auto v = a.to_vector<float>();
    int kept = 0;
    for (float e : v) {
      CHECK_UNARY(e == 0.0f || std::abs(e - 1.0f / 0.75f) < 1e-6f);
      kept += e != 0.0f;
    }
    CHECK(std::abs(kept / 1000.0 - 0.75) < 0.05);
    CHECK(dropout(x, 0.25, false, &g1).is_same(x));
  }
}
