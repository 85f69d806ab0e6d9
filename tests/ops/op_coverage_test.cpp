#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "../support/op_cases.h"
#include "weft/autograd/node.h"
#include "weft/ops/op.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("op_coverage") {
  TEST_CASE("every op has a gradcheck case and an error case") {
    std::set<std::string> grad, err, known;
    for (const auto& c : test::gradcheck_cases()) grad.insert(c.op);
    for (const auto& c : test::error_cases()) err.insert(c.op);
    for (size_t i = 0; i < kOpCount; ++i) {
      std::string name(kOpNames[i]);
      known.insert(name);
      if (kOpDifferentiable[i]) {
        INFO("op '" << name << "' has no gradcheck case in tests/ops/gradcheck_test.cpp");
        CHECK(grad.count(name) == 1);
      }
      INFO("op '" << name << "' has no error case in tests/ops/op_errors_test.cpp");
      CHECK(err.count(name) == 1);
    }
    // And no case names an op that does not exist.
    for (const auto& n : grad) {
      INFO("gradcheck case for unknown op '" << n << "'");
      CHECK(known.count(n) == 1);
    }
    for (const auto& n : err) {
      INFO("error case for unknown op '" << n << "'");
      CHECK(known.count(n) == 1);
    }
  }

  TEST_CASE("ops record their own OpKind: tril and triu are two ops") {
    Tensor x = Tensor::ones({3, 3}, DType::f64);
    x.set_requires_grad(true);
    CHECK(tril(x).grad_fn()->op() == OpKind::tril);
    CHECK(triu(x).grad_fn()->op() == OpKind::triu);
    CHECK(triu(x).grad_fn()->name() == "triu");
    CHECK(add(x, x).grad_fn()->name() == "add");
    // Comparisons are listed (non-differentiable), so the coverage test above sees them.
    for (std::string_view n : {"eq", "gt", "lt", "triu"})
      CHECK(std::find(kOpNames.begin(), kOpNames.end(), n) != kOpNames.end());
  }
}
