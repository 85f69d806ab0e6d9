// The fixed summation order of data-parallel gradients (dist/grad_reducer.h), in
// one process: the tree rule's shape, and GradReducer's local fold over
// micro-batches (bitwise the tree, undefined gradients as the identity).
#include <doctest/doctest.h>

#include <string>

#include "weft/dist/communicator.h"
#include "weft/dist/grad_reducer.h"
#include "weft/dist/param_shards.h"
#include "weft/nn/parameter.h"

namespace weft {

namespace {

std::string shape_of(int64_t n) {
  return tree_fold<std::string>(
      0, n, [](int64_t i) { return std::to_string(i); },
      [](std::string a, std::string b) { return "(" + a + b + ")"; });
}

}  // namespace

TEST_SUITE("dist_reduce") {
  TEST_CASE("the tree rule: perfect for powers of two, the largest power of two on the left otherwise") {
    CHECK(shape_of(1) == "0");
    CHECK(shape_of(2) == "(01)");
    CHECK(shape_of(3) == "((01)2)");
    CHECK(shape_of(4) == "((01)(23))");
    CHECK(shape_of(6) == "(((01)(23))(45))");
    CHECK(shape_of(7) == "(((01)(23))((45)6))");
    // Every aligned run of a power-of-two k is a subtree: N ranks × k micro-batches
    // fold to the same tree (here N = 3, k = 2: rank sums (01), (23), (45)).
    CHECK(shape_of(6).find("(01)") != std::string::npos);
    CHECK(shape_of(6).find("(23)") != std::string::npos);
    CHECK(shape_of(6).find("(45)") != std::string::npos);
  }

  TEST_CASE("GradReducer in one process folds the micro-batches in tree order, bit for bit") {
    // Values whose float sums depend on the association.
    const std::vector<std::vector<float>> g = {{1e8f, 1.0f}, {1.0f, -3.0f}, {-1e8f, 0.5f}, {0.25f, 1e-8f}};
    Parameter a, b;
    a.tensor = Tensor::zeros({2});
    a.tensor.set_requires_grad(true);
    b.tensor = Tensor::zeros({2});
    b.tensor.set_requires_grad(true);
    NamedParameters params = {{"a", &a}, {"b", &b}};
    GradReducer red(world(), params, 1 << 20, true);
    red.begin_step(4);
    for (int64_t m = 0; m < 4; ++m) {
      a.tensor.set_grad(Tensor::from_vector<float>(g[size_t(m)], {2}));
      if (m != 1) b.tensor.set_grad(Tensor::from_vector<float>(g[size_t(m)], {2}));  // b: no gradient in m = 1
      red.after_backward(m);
      CHECK(!a.tensor.grad().defined());  // each micro-batch starts from no gradient
    }
    red.finish();
    std::vector<float> ga = a.tensor.grad().to_vector<float>(), gb = b.tensor.grad().to_vector<float>();
    for (size_t e = 0; e < 2; ++e) {
      const float tree = (g[0][e] + g[1][e]) + (g[2][e] + g[3][e]);
      const float b_tree = g[0][e] + (g[2][e] + g[3][e]);  // the missing gradient is the identity
      CHECK(ga[e] == tree);
      CHECK(gb[e] == b_tree);
    }
    CHECK(ga[0] != ((g[0][0] + g[1][0]) + g[2][0]) + g[3][0]);  // the data tells the orders apart
  }

  TEST_CASE("a parameter reached by no micro-batch keeps no gradient") {
    Parameter a;
    a.tensor = Tensor::zeros({3});
    a.tensor.set_requires_grad(true);
    NamedParameters params = {{"a", &a}};
    GradReducer red(world(), params, 1 << 20, true);
    red.begin_step(2);
    red.after_backward(0);
    red.after_backward(1);
    red.finish();
    CHECK(!a.tensor.grad().defined());
  }

  TEST_CASE("ZeRO-1 shards: contiguous owners in parameter order, every parameter owned once") {
    std::vector<Parameter> ps(5);
    NamedParameters params;
    const int64_t sizes[] = {10, 10, 40, 20, 20};
    for (size_t i = 0; i < ps.size(); ++i) {
      ps[i].tensor = Tensor::zeros({sizes[i]});
      params.emplace_back("p" + std::to_string(i), &ps[i]);
    }
    ParamShards s(params, 2);
    CHECK(s.owner(0) == 0);
    CHECK(s.owner(2) == 0);
    CHECK(s.owner(3) == 1);
    CHECK(s.owner(4) == 1);
    for (size_t i = 1; i < ps.size(); ++i) CHECK(s.owner(i) >= s.owner(i - 1));
    std::vector<bool> a = s.owned_by(0), b = s.owned_by(1);
    for (size_t i = 0; i < ps.size(); ++i) CHECK(a[i] != b[i]);
  }
}

}  // namespace weft
