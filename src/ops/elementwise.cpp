#include "weft/ops/elementwise.h"

#include <cmath>
#include <limits>

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/shape_ops.h"

namespace weft {

namespace {

// Stride-0 view of x at `shape` (no history; used for kernel arguments only).
Tensor broadcast_view(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  Strides st(shape.size(), 0);
  const size_t lead = shape.size() - x.shape().size();
  for (size_t i = 0; i < x.shape().size(); ++i)
    st[lead + i] = x.shape()[i] == 1 && shape[lead + i] != 1 ? 0 : x.strides()[i];
  return Tensor::make_view(x, shape, st, x.offset());
}

Tensor binary_forward(OpKind opk, BinaryOp kind, const Tensor& a, const Tensor& b) {
  const char* op = op_cstr(opk);
  opcheck::defined(op, a, "a");
  opcheck::defined(op, b, "b");
  opcheck::same_dtype(op, a, b);
  opcheck::same_device(op, a, b);
  opcheck::max_rank(op, a);
  opcheck::max_rank(op, b);
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  backend_for(a.device()).binary(kind, broadcast_view(a, shape), broadcast_view(b, shape), out);
  return out;
}

Tensor scalar_like(const Tensor& x, double v) { return Tensor::scalar(v, x.dtype(), x.device()); }

Tensor unary_op(OpKind opk, UnaryOp kind, const Tensor& x, UnaryParams p = {}) {
  const char* op = op_cstr(opk);
  opcheck::floating(op, x, "x");
  opcheck::max_rank(op, x);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).unary(kind, p, x, y);
  if (!should_record({x})) return y;
  Tensor xs = x.detach(), ys = y.detach();
  return record(opk, y, {x}, [kind, p, xs, ys](const Tensor& g) -> std::vector<Tensor> {
    Tensor gx = Tensor::empty(xs.shape(), xs.dtype(), xs.device());
    backend_for(xs.device()).unary_backward(kind, p, xs, ys, g, gx);
    return {gx};
  });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(OpKind::add, BinaryOp::add, a, b);
  Shape sa = a.shape(), sb = b.shape();
  return record(OpKind::add, out, {a, b}, [sa, sb](const Tensor& g) -> std::vector<Tensor> {
    return {sum_to(g, sa), sum_to(g, sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(OpKind::sub, BinaryOp::sub, a, b);
  Shape sa = a.shape(), sb = b.shape();
  return record(OpKind::sub, out, {a, b}, [sa, sb](const Tensor& g) -> std::vector<Tensor> {
    return {sum_to(g, sa), neg(sum_to(g, sb))};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(OpKind::mul, BinaryOp::mul, a, b);
  if (!should_record({a, b})) return out;
  bool na = needs_grad(a), nb = needs_grad(b);
  Tensor as = a.detach(), bs = b.detach();
  return record(OpKind::mul, out, {a, b}, [as, bs, na, nb](const Tensor& g) -> std::vector<Tensor> {
    return {na ? sum_to(mul(g, bs), as.shape()) : Tensor(), nb ? sum_to(mul(g, as), bs.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(OpKind::div, BinaryOp::div, a, b);
  if (!should_record({a, b})) return out;
  bool na = needs_grad(a), nb = needs_grad(b);
  Tensor as = a.detach(), bs = b.detach(), os = out.detach();
  return record(OpKind::div, out, {a, b}, [as, bs, os, na, nb](const Tensor& g) -> std::vector<Tensor> {
    Tensor ga = na ? sum_to(div(g, bs), as.shape()) : Tensor();
    // −g·(a/b)/b, not −g·a/b²: b² under- or overflows long before a/b does (a
    // normaliser near 1e-35 in f32 gave Inf, then NaN, for cat_causal at z_cap 80).
    Tensor gb = nb ? sum_to(neg(div(mul(g, os), bs)), bs.shape()) : Tensor();
    return {ga, gb};
  });
}

Tensor add(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor sub(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor mul(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor div(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }

Tensor neg(const Tensor& x) { return unary_op(OpKind::neg, UnaryOp::neg, x); }
Tensor exp(const Tensor& x) { return unary_op(OpKind::exp, UnaryOp::exp, x); }
Tensor log(const Tensor& x) { return unary_op(OpKind::log, UnaryOp::log, x); }
Tensor sqrt(const Tensor& x) { return unary_op(OpKind::sqrt, UnaryOp::sqrt, x); }
Tensor rsqrt(const Tensor& x) { return unary_op(OpKind::rsqrt, UnaryOp::rsqrt, x); }
Tensor pow(const Tensor& x, double exponent) { return unary_op(OpKind::pow, UnaryOp::pow, x, {exponent, 0.0}); }
Tensor abs(const Tensor& x) { return unary_op(OpKind::abs, UnaryOp::abs, x); }
Tensor tanh(const Tensor& x) { return unary_op(OpKind::tanh, UnaryOp::tanh, x); }
Tensor sigmoid(const Tensor& x) { return unary_op(OpKind::sigmoid, UnaryOp::sigmoid, x); }
Tensor relu(const Tensor& x) { return unary_op(OpKind::relu, UnaryOp::relu, x); }
Tensor gelu(const Tensor& x, GeluApprox approx) {
  return unary_op(OpKind::gelu, approx == GeluApprox::tanh ? UnaryOp::gelu_tanh : UnaryOp::gelu_erf, x);
}
Tensor silu(const Tensor& x) { return unary_op(OpKind::silu, UnaryOp::silu, x); }
Tensor clamp(const Tensor& x, double lo, double hi) {
  WEFT_CHECK(!(lo > hi), ValueError, "clamp: lower bound ", lo, " is greater than upper bound ", hi);
  return unary_op(OpKind::clamp, UnaryOp::clamp, x, {lo, hi});
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  constexpr OpKind kind = OpKind::where;
  const char* op = op_cstr(kind);
  opcheck::defined(op, cond, "cond");
  opcheck::defined(op, a, "a");
  opcheck::defined(op, b, "b");
  opcheck::same_dtype(op, a, b);
  opcheck::same_device(op, a, b);
  opcheck::same_device(op, cond, a);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), op), b.shape(), op);
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  backend_for(a.device())
      .where(broadcast_view(cond, shape), broadcast_view(a, shape), broadcast_view(b, shape), out);
  if (!should_record({a, b})) return out;
  Tensor cs = cond.detach();
  Shape sa = a.shape(), sb = b.shape();
  bool na = needs_grad(a), nb = needs_grad(b);
  return record(kind, out, {a, b}, [cs, sa, sb, na, nb](const Tensor& g) -> std::vector<Tensor> {
    Tensor zero = Tensor::zeros({}, g.dtype(), g.device());
    return {na ? sum_to(where(cs, g, zero), sa) : Tensor(), nb ? sum_to(where(cs, zero, g), sb) : Tensor()};
  });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  constexpr OpKind kind = OpKind::masked_fill;
  const char* op = op_cstr(kind);
  opcheck::defined(op, x, "x");
  opcheck::defined(op, mask, "mask");
  opcheck::same_device(op, x, mask);
  Shape shape = broadcast_shapes(x.shape(), mask.shape(), op);
  WEFT_CHECK(shape == x.shape(), ShapeError, op, ": mask ", shape_str(mask.shape()),
             " must broadcast to the input's shape ", shape_str(x.shape()), " (it would enlarge it to ",
             shape_str(shape), ")");
  Tensor fill = Tensor::scalar(value, x.dtype(), x.device());
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  backend_for(x.device()).where(broadcast_view(mask, shape), broadcast_view(fill, shape), x, out);
  if (!should_record({x})) return out;
  Tensor ms = mask.detach();
  return record(kind, out, {x}, [ms](const Tensor& g) -> std::vector<Tensor> {
    return {where(ms, Tensor::zeros({}, g.dtype(), g.device()), g)};
  });
}

Tensor eq(const Tensor& a, const Tensor& b) { return binary_forward(OpKind::eq, BinaryOp::eq, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_forward(OpKind::gt, BinaryOp::gt, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_forward(OpKind::lt, BinaryOp::lt, a, b); }

}  // namespace weft
