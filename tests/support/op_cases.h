// The per-op test tables: every op in op_list.def must appear in the gradcheck
// table (if differentiable) and in the error table. tests/ops/op_coverage_test.cpp
// enforces it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "weft/autograd/gradcheck.h"

namespace weft::test {

struct GradCase {
  std::string op;     // name in op_list.def
  std::string label;  // what this case covers
  std::function<GradcheckResult()> run;
};

struct ErrorCase {
  std::string op;
  std::string label;
  std::function<void()> run;  // performs its own CHECK_THROWS_* assertions
};

const std::vector<GradCase>& gradcheck_cases();
const std::vector<ErrorCase>& error_cases();

}  // namespace weft::test
