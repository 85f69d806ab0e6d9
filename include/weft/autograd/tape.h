// defines: backward — reverse-mode differentiation over the recorded graph;
// LeafGradHookScope — a callback when a leaf's gradient of one backward is final.
#pragma once

#include <functional>

#include "weft/core/tensor.h"

namespace weft {

// Accumulates d(root)/d(leaf) · grad into every reachable leaf's .grad. `grad`
// defaults to 1 for a one-element root. Nodes are visited in reverse topological
// order (deterministic); without retain_graph their saved tensors are freed.
void backward(const Tensor& root, const Tensor& grad = Tensor(), bool retain_graph = false);

// While one lives (on this thread), backward() calls `hook(leaf)` for each leaf
// it reaches as soon as no further gradient can flow into it in that backward:
// its .grad is final for the pass. Data-parallel training starts a gradient
// bucket's communication from here, during the rest of the backward.
// Leaves the backward does not reach are not reported.
class LeafGradHookScope {
 public:
  using Hook = std::function<void(TensorImpl& leaf)>;
  explicit LeafGradHookScope(Hook hook);
  ~LeafGradHookScope();
  LeafGradHookScope(const LeafGradHookScope&) = delete;
  LeafGradHookScope& operator=(const LeafGradHookScope&) = delete;

 private:
  Hook previous_;
};

}  // namespace weft
