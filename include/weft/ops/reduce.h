// defines: sum, mean, max, logsumexp, var (over a set of dims, with keepdim) and cumsum.
// An empty dim list means all dims.
#pragma once

#include <vector>

#include "weft/core/tensor.h"

namespace weft {

using Dims = std::vector<int64_t>;

Tensor sum(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Maximum values; the gradient is shared equally among tied maxima.
Tensor max(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Dims& dims = {}, bool keepdim = false);
// Variance with Bessel's correction by default (correction = 1); 0 gives the population variance.
Tensor var(const Tensor& x, const Dims& dims = {}, bool keepdim = false, int64_t correction = 1);
// Inclusive prefix sum along dim.
Tensor cumsum(const Tensor& x, int64_t dim);

}  // namespace weft
