#include "weft/nn/activation_probe.h"

#include "weft/autograd/grad_mode.h"
#include "weft/ops/ops.h"

namespace weft {

void ActivationProbe::record(const std::string& name, const Tensor& x) {
  NoGradGuard no_grad;
  values_.emplace_back(name, mean(abs(x)).item());
}

}  // namespace weft
