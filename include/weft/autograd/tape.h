// defines: backward — reverse-mode differentiation over the recorded graph.
#pragma once

#include "weft/core/tensor.h"

namespace weft {

// Accumulates d(root)/d(leaf) · grad into every reachable leaf's .grad. `grad`
// defaults to 1 for a one-element root. Nodes are visited in reverse topological
// order (deterministic); without retain_graph their saved tensors are freed.
void backward(const Tensor& root, const Tensor& grad = Tensor(), bool retain_graph = false);

}  // namespace weft
