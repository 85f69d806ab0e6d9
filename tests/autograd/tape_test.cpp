#include <doctest/doctest.h>

#include "../support/test_util.h"
#include "weft/autograd/grad_mode.h"
#include "weft/autograd/node.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("autograd") {
  TEST_CASE("gradients of a small graph, accumulation and zero_grad") {
    Tensor x = Tensor::from_vector<double>({1, 2, 3}, {3}).set_requires_grad(true);
    Tensor y = sum(mul(x, x));  // dy/dx = 2x
    y.backward();
    test::check_values(x.grad(), {2, 4, 6});
    sum(mul(x, 3.0)).backward();  // accumulates
    test::check_values(x.grad(), {5, 7, 9});
    x.zero_grad();
    CHECK_FALSE(x.grad().defined());
  }

  TEST_CASE("a tensor used on several paths gets the sum of its gradients") {
    Tensor x = Tensor::from_vector<double>({2}, {1}).set_requires_grad(true);
    Tensor a = exp(x);
    Tensor y = add(mul(a, a), a);  // e^{2x} + e^x
    y.backward();
    CHECK(x.grad().item() == doctest::Approx(2 * std::exp(4.0) + std::exp(2.0)));
  }

  TEST_CASE("explicit upstream gradient and the op name in errors") {
    Tensor x = test::randn({2, 3}, 1).set_requires_grad(true);
    Tensor y = mul(x, 2.0);
    y.backward(Tensor::ones({2, 3}, DType::f64));
    test::check_values(x.grad(), {2, 2, 2, 2, 2, 2});
    Tensor z = mul(x, 2.0);
    CHECK_THROWS_AS(z.backward(), AutogradError);  // non-scalar needs an explicit gradient
    CHECK_THROWS_AS(z.backward(Tensor::ones({3}, DType::f64)), AutogradError);
    CHECK(z.grad_fn()->name() == "mul");
  }

  TEST_CASE("backward twice without retain_graph is a clear error") {
    Tensor x = test::randn({3}, 2).set_requires_grad(true);
    Tensor y = sum(exp(x));
    y.backward(Tensor(), true);
    y.backward();
    try {
      y.backward();
      CHECK(false);
    } catch (const AutogradError& e) {
      CHECK(std::string(e.what()).find("second time") != std::string::npos);
    }
  }

  TEST_CASE("NoGradGuard and detach record nothing") {
    Tensor x = test::randn({3}, 3).set_requires_grad(true);
    {
      NoGradGuard ng;
      Tensor y = exp(x);
      CHECK_FALSE(y.requires_grad());
      CHECK(y.grad_fn() == nullptr);
    }
    CHECK(exp(x).requires_grad());
    Tensor d = exp(x).detach();
    CHECK_FALSE(d.requires_grad());
    CHECK_THROWS_AS(exp(x).set_requires_grad(true), AutogradError);
    CHECK_THROWS_AS(Tensor::zeros({2}, DType::i64).set_requires_grad(true), DTypeError);
    Tensor c = Tensor::zeros({2}, DType::f64);
    CHECK_THROWS_AS(sum(c).backward(), AutogradError);  // no history, no requires_grad
  }

  TEST_CASE("gradients reach only the inputs that need them") {
    Tensor a = test::randn({2, 2}, 4).set_requires_grad(true);
    Tensor b = test::randn({2, 2}, 5);
    sum(matmul(a, b)).backward();
    CHECK(a.grad().defined());
    CHECK_FALSE(b.grad().defined());
  }

  TEST_CASE("the graph is freed: saved tensors do not outlive the backward") {
    Tensor x = test::randn({64, 64}, 6).set_requires_grad(true);
    std::weak_ptr<Storage> saved;
    {
      Tensor h = tanh(x);  // saves its output
      saved = h.storage();
      Tensor loss = sum(h);
      loss.backward();
    }
    CHECK(saved.expired());
  }
}
