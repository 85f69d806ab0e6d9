// defines: gradcheck — compare autograd gradients with central finite differences (f64).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "weft/core/tensor.h"

namespace weft {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-5;
  uint64_t seed = 1234;  // for the random output projection
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string message;  // first mismatch: input, element, analytic vs numeric
};

// f maps the inputs to one tensor y. Checks ∂(Σ r·y)/∂x for a fixed random r
// against central differences, for every floating input (all must be f64, CPU).
// Inputs listed in `no_grad` (by position) are held constant.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, std::vector<Tensor> inputs,
                          const GradcheckOptions& opts = {}, const std::vector<size_t>& no_grad = {});

}  // namespace weft
