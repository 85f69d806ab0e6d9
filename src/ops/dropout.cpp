#include "weft/ops/dropout.h"

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"

namespace weft {

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  constexpr OpKind kind = OpKind::dropout;
  const char* op = op_cstr(kind);
  opcheck::floating(op, x, "x");
  WEFT_CHECK(p >= 0.0 && p < 1.0, ValueError, op, ": probability ", p, " is outside [0, 1)");
  if (!training || p == 0.0) return x;
  Generator& g = gen ? *gen : default_generator();
  const PhiloxState state = g.draw(static_cast<uint64_t>(x.numel()));
  Tensor xc = x.is_contiguous() ? x : x.clone();
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).dropout(xc, p, state, out);
  return record(kind, out, {x}, [p, state](const Tensor& grad) -> std::vector<Tensor> {
    // The mask is regenerated from the same counter range instead of being stored.
    Tensor gc = grad.is_contiguous() ? grad : grad.clone();
    Tensor gx = Tensor::empty(grad.shape(), grad.dtype(), grad.device());
    backend_for(grad.device()).dropout(gc, p, state, gx);
    return {gx};
  });
}

}  // namespace weft
