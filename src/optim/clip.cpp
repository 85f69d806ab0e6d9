#include "weft/optim/clip.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "weft/backend/dispatch.h"

namespace weft {

double clip_grad_norm(const NamedParameters& params, double max_norm) {
  // One f64 accumulator per device, summed in parameter order; the host reads each once
  // (not once per parameter: on a GPU that would be a synchronisation per tensor).
  std::vector<std::pair<Device, Tensor>> acc;
  for (const auto& [name, p] : params) {
    Tensor g = p->tensor.grad();
    if (!g.defined()) continue;
    auto it = std::find_if(acc.begin(), acc.end(), [&](const auto& a) { return a.first == g.device(); });
    if (it == acc.end()) it = acc.insert(acc.end(), {g.device(), Tensor::zeros({}, DType::f64, g.device())});
    backend_for(g.device()).sum_of_squares(g.is_contiguous() ? g : g.clone(), it->second);
  }
  double sum = 0.0;
  for (const auto& [device, a] : acc) sum += a.item();
  const double norm = std::sqrt(sum);
  if (!(max_norm > 0) || !std::isfinite(norm) || norm <= max_norm) return norm;
  const double scale = max_norm / (norm + 1e-6);
  for (const auto& [name, p] : params) {
    Tensor g = p->tensor.grad();
    if (!g.defined()) continue;
    // g ← g · scale in place: the scalar is broadcast by a zero-stride view, no temporary.
    Tensor s = Tensor::scalar(scale, g.dtype(), g.device());
    Tensor sv = Tensor::make_view(s, g.shape(), Strides(g.shape().size(), 0), 0);
    backend_for(g.device()).binary(BinaryOp::mul, g, sv, g);
  }
  return norm;
}

}  // namespace weft
