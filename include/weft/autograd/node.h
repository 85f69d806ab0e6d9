// defines: Node, Edge, record — how an op attaches its backward to its output.
//
// A Node holds its op (an OpKind from op_list.def: no op can record under a name
// the list lacks), one Edge per input (to the
// input's own Node, or to the leaf that accumulates), and the backward function.
// Backward functions are written with ops (so they run on any device) or call a
// fused *_backward kernel. Saved tensors are captured by the function; saving an
// op's own output must go through detach() so the graph holds no cycle.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/core/tensor.h"
#include "weft/ops/op.h"

namespace weft {

class Node;

struct Edge {
  std::shared_ptr<Node> fn;           // set when the input has history
  std::shared_ptr<TensorImpl> leaf;   // set when the input is a leaf that requires grad
  bool defined() const { return fn || leaf; }
};

class Node {
 public:
  // Maps the gradient of the output to one gradient per input (undefined where
  // the input needs none).
  using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_out)>;

  Node(OpKind op, std::vector<Edge> edges, BackwardFn fn, Shape out_shape, DType out_dtype)
      : op_(op), edges_(std::move(edges)), fn_(std::move(fn)), out_shape_(std::move(out_shape)),
        out_dtype_(out_dtype) {}

  OpKind op() const { return op_; }
  std::string name() const { return std::string(op_name(op_)); }
  const std::vector<Edge>& edges() const { return edges_; }
  const Shape& out_shape() const { return out_shape_; }
  DType out_dtype() const { return out_dtype_; }
  bool released() const { return !fn_; }
  std::vector<Tensor> apply(const Tensor& grad_out) const;
  // Drops the backward function and what it saved (after a backward without retain_graph).
  void release() { fn_ = nullptr; }

 private:
  OpKind op_;
  std::vector<Edge> edges_;
  BackwardFn fn_;
  Shape out_shape_;
  DType out_dtype_;
};

// True when gradients must flow into `t` (a leaf that requires grad, or history).
inline bool needs_grad(const Tensor& t) { return t.defined() && t.requires_grad(); }

// If grad mode is on and any input needs grad, attaches a Node for `op` to
// `out` and returns it; otherwise returns `out` unchanged.
Tensor record(OpKind op, Tensor out, const std::vector<Tensor>& inputs, Node::BackwardFn fn);

// True when record() would attach history for these inputs.
bool should_record(const std::vector<Tensor>& inputs);

}  // namespace weft
