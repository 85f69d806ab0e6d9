#include "weft/autograd/tape.h"

#include <unordered_map>

#include "weft/autograd/grad_mode.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"

namespace weft {

namespace {

void check_grad(const Tensor& g, const Shape& shape, DType dtype, Device dev, const std::string& where) {
  WEFT_CHECK(g.shape() == shape && g.dtype() == dtype && g.device() == dev, AutogradError, where,
             ": gradient ", g.describe(), " does not match the tensor it is for (", dtype_name(dtype),
             shape_str(shape), " ", dev.str(), ")");
}

// Whether `g` can become a .grad as is: nothing else holds it or its storage.
bool exclusively_owned(const Tensor& g) {
  return g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() && g.offset() == 0;
}

// dst += g (dst owned exclusively by the accumulator).
void accumulate_into(Tensor& dst, Tensor g) {
  if (!dst.defined()) {
    dst = exclusively_owned(g) ? std::move(g) : g.clone();
    return;
  }
  backend_for(dst.device()).binary(BinaryOp::add, dst, g, dst);
}

void accumulate_leaf(const std::shared_ptr<TensorImpl>& leaf, Tensor g) {
  Tensor lt(leaf);
  check_grad(g, leaf->shape, leaf->dtype, leaf->device, "backward into a leaf " + lt.describe());
  Tensor grad(leaf->grad);
  accumulate_into(grad, std::move(g));
  leaf->grad = grad.impl_ptr();
}

thread_local LeafGradHookScope::Hook leaf_hook;

}  // namespace

LeafGradHookScope::LeafGradHookScope(Hook hook) : previous_(std::move(leaf_hook)) { leaf_hook = std::move(hook); }
LeafGradHookScope::~LeafGradHookScope() { leaf_hook = std::move(previous_); }

void backward(const Tensor& root, const Tensor& grad_in, bool retain_graph) {
  NoGradGuard no_grad;
  Tensor grad = grad_in;
  if (!grad.defined()) {
    WEFT_CHECK(root.numel() == 1, AutogradError, "backward: an implicit gradient needs a one-element output, got ",
               root.describe(), " (pass an explicit gradient)");
    grad = Tensor::ones(root.shape(), root.dtype(), root.device());
  }
  check_grad(grad, root.shape(), root.dtype(), root.device(), "backward");
  if (!root.grad_fn()) {
    WEFT_CHECK(root.requires_grad(), AutogradError, "backward: tensor ", root.describe(),
               " does not require grad and has no history");
    accumulate_leaf(root.impl_ptr(), grad);
    if (leaf_hook) leaf_hook(*root.impl_ptr());
    return;
  }

  // Dependency counts: how many edges point at each node from within the graph.
  std::unordered_map<Node*, int> deps;
  // With a leaf hook: how many edges into each leaf are still to be processed.
  const bool hooked = static_cast<bool>(leaf_hook);
  std::unordered_map<TensorImpl*, int> leaf_deps;
  std::vector<Node*> stack{root.grad_fn().get()};
  deps[root.grad_fn().get()] = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->edges()) {
      if (hooked && e.leaf) ++leaf_deps[e.leaf.get()];
      if (!e.fn) continue;
      auto [it, inserted] = deps.try_emplace(e.fn.get(), 0);
      it->second++;
      if (inserted) stack.push_back(e.fn.get());
    }
  }

  std::unordered_map<Node*, Tensor> grads;
  grads[root.grad_fn().get()] = grad;
  std::vector<Node*> ready{root.grad_fn().get()};
  // Keep the root's node alive even if the caller drops `root` meanwhile.
  std::shared_ptr<Node> keep = root.grad_fn();
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    Tensor g = std::move(grads[n]);
    grads.erase(n);
    std::vector<Tensor> in_grads = n->apply(g);
    g = Tensor();
    WEFT_CHECK(in_grads.size() == n->edges().size(), AutogradError, "backward of op '", n->name(), "' returned ",
               in_grads.size(), " gradients for ", n->edges().size(), " inputs");
    for (size_t i = 0; i < in_grads.size(); ++i) {
      const Edge& e = n->edges()[i];
      if (!e.defined()) continue;
      Tensor gi = std::move(in_grads[i]);
      if (e.leaf) {
        if (gi.defined()) accumulate_leaf(e.leaf, std::move(gi));
        if (hooked && --leaf_deps[e.leaf.get()] == 0) leaf_hook(*e.leaf);
        continue;
      }
      Node* m = e.fn.get();
      if (gi.defined()) {
        check_grad(gi, m->out_shape(), m->out_dtype(), gi.device(),
                   "backward of op '" + n->name() + "' (input " + std::to_string(i) + ", produced by '" + m->name() +
                       "')");
        auto it = grads.find(m);
        if (it == grads.end())
          grads.emplace(m, gi);
        else {
          Tensor acc = it->second;
          // Never write into a tensor another node may still hold: start a fresh sum.
          it->second = Tensor::empty(acc.shape(), acc.dtype(), acc.device());
          backend_for(acc.device()).binary(BinaryOp::add, acc, gi, it->second);
        }
      }
      if (--deps[m] == 0) {
        auto it = grads.find(m);
        if (it == grads.end())  // every path into m carried no gradient
          grads.emplace(m, Tensor::zeros(m->out_shape(), m->out_dtype(), root.device()));
        ready.push_back(m);
      }
    }
    if (!retain_graph) const_cast<Node*>(n)->release();
  }
}

void Tensor::backward(const Tensor& grad, bool retain_graph) const { weft::backward(*this, grad, retain_graph); }

}  // namespace weft
