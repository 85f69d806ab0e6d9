#include "weft/autograd/node.h"

#include "weft/autograd/grad_mode.h"

namespace weft {

std::vector<Tensor> Node::apply(const Tensor& grad_out) const {
  WEFT_CHECK(fn_ != nullptr, AutogradError, "backward through op '", op_name(op_),
             "' a second time: its saved tensors were freed after the first backward "
             "(pass retain_graph = true to the first backward)");
  return fn_(grad_out);
}

bool should_record(const std::vector<Tensor>& inputs) {
  if (!is_grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (needs_grad(t)) return true;
  return false;
}

Tensor record(OpKind op, Tensor out, const std::vector<Tensor>& inputs, Node::BackwardFn fn) {
  if (!should_record(inputs)) return out;
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    Edge e;
    if (needs_grad(t)) {
      if (t.grad_fn())
        e.fn = t.grad_fn();
      else
        e.leaf = t.impl_ptr();
    }
    edges.push_back(std::move(e));
  }
  // `out` may share its TensorImpl with nothing else yet; attach history in place.
  out.impl().grad_fn = std::make_shared<Node>(op, std::move(edges), std::move(fn), out.shape(), out.dtype());
  return out;
}

}  // namespace weft
