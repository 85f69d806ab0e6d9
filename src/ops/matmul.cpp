#include "weft/ops/matmul.h"

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/shape_ops.h"

#include <algorithm>
#include <atomic>

namespace weft {

namespace {

std::atomic<MatmulPrecision> g_precision{MatmulPrecision::f32};

Tensor batched_view(const Tensor& x, const Shape& batch) {
  Shape s = batch;
  s.push_back(x.shape()[x.dim() - 2]);
  s.push_back(x.shape()[x.dim() - 1]);
  if (s == x.shape()) return x;
  const size_t lead = s.size() - x.shape().size();
  Strides st(s.size(), 0);
  for (size_t i = 0; i < x.shape().size(); ++i)
    st[lead + i] = (x.shape()[i] == 1 && s[lead + i] != 1) ? 0 : x.strides()[i];
  return Tensor::make_view(x, s, st, x.offset());
}

// The gemm itself, without history.
Tensor matmul_raw(const Tensor& a, const Tensor& b, MatmulPrecision prec) {
  Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(ba, bb, "matmul");
  Shape os = batch;
  os.push_back(a.shape()[a.dim() - 2]);
  os.push_back(b.shape()[b.dim() - 1]);
  Tensor out = Tensor::empty(os, a.dtype(), a.device());
  backend_for(a.device()).gemm(batched_view(a, batch), batched_view(b, batch), out, 1.0, 0.0, prec);
  return out;
}

}  // namespace

void set_matmul_precision(MatmulPrecision p) { g_precision.store(p); }
MatmulPrecision matmul_precision() { return g_precision.load(); }

const char* matmul_precision_name(MatmulPrecision p) {
  switch (p) {
    case MatmulPrecision::f32: return "f32";
    case MatmulPrecision::tf32: return "tf32";
    case MatmulPrecision::bf16: return "bf16";
  }
  return "?";
}

MatmulPrecision parse_matmul_precision(const std::string& s) {
  for (MatmulPrecision p : {MatmulPrecision::f32, MatmulPrecision::tf32, MatmulPrecision::bf16})
    if (s == matmul_precision_name(p)) return p;
  throw ValueError("matmul precision '" + s + "': expected f32, tf32 or bf16");
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  constexpr OpKind kind = OpKind::matmul;
  const char* op = op_cstr(kind);
  opcheck::floating(op, a, "a");
  opcheck::floating(op, b, "b");
  opcheck::same_dtype(op, a, b);
  opcheck::same_device(op, a, b);
  opcheck::rank_at_least(op, a, 2, "a");
  opcheck::rank_at_least(op, b, 2, "b");
  opcheck::max_rank(op, a);
  opcheck::max_rank(op, b);
  const int64_t K = a.shape()[a.dim() - 1];
  WEFT_CHECK(b.shape()[b.dim() - 2] == K, ShapeError, op, ": inner dimensions differ: a ", a.describe(), " and b ",
             b.describe(), " (a's last dim ", K, " must equal b's second-to-last dim ", b.shape()[b.dim() - 2], ")");
  // x [..., M, K] @ W [K, N]: one gemm over all rows (through a recorded reshape, so
  // the weight gradient is one gemm too).
  if (b.dim() == 2 && a.dim() > 2) {
    Shape out_shape = a.shape();
    out_shape.back() = b.shape()[1];
    return reshape(matmul(reshape(a, {-1, K}), b), out_shape);
  }
  const MatmulPrecision prec = matmul_precision();
  Tensor out = matmul_raw(a, b, prec);
  if (!should_record({a, b})) return out;
  bool na = needs_grad(a), nb = needs_grad(b);
  Tensor as = a.detach(), bs = b.detach();
  return record(kind, out, {a, b}, [as, bs, na, nb, prec](const Tensor& g) -> std::vector<Tensor> {
    Tensor ga = na ? sum_to(matmul_raw(g, transpose(bs, -1, -2), prec), as.shape()) : Tensor();
    Tensor gb = nb ? sum_to(matmul_raw(transpose(as, -1, -2), g, prec), bs.shape()) : Tensor();
    return {ga, gb};
  });
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  constexpr OpKind kind = OpKind::linear;
  const char* op = op_cstr(kind);
  opcheck::floating(op, x, "x");
  opcheck::floating(op, w, "w");
  opcheck::floating(op, b, "b");
  opcheck::same_dtype(op, x, w);
  opcheck::same_dtype(op, x, b);
  opcheck::same_device(op, x, w);
  opcheck::same_device(op, x, b);
  opcheck::rank_at_least(op, x, 1, "x");
  opcheck::max_rank(op, x);
  WEFT_CHECK(w.dim() == 2, ShapeError, op, ": weight must be [in, out], got ", w.describe());
  const int64_t K = x.shape().back(), N = w.shape()[1];
  WEFT_CHECK(w.shape()[0] == K, ShapeError, op, ": x ", x.describe(), " has ", K, " features but weight ", w.describe(),
             " expects ", w.shape()[0]);
  WEFT_CHECK(b.dim() == 1 && b.shape()[0] == N, ShapeError, op, ": bias must be [", N, "] for weight ", w.describe(),
             ", got ", b.describe());
  Shape out_shape = x.shape();
  out_shape.back() = N;
  const int64_t rows = x.numel() / std::max<int64_t>(K, 1);
  Tensor x2 = reshape(x.detach(), {rows, K});
  Tensor out = Tensor::empty({rows, N}, x.dtype(), x.device());
  Backend& be = backend_for(x.device());
  // Every row starts as the bias; the gemm adds x @ w onto it.
  be.copy(expand(b.detach(), {rows, N}), out);
  const MatmulPrecision prec = matmul_precision();
  be.gemm(x2, w, out, 1.0, 1.0, prec);
  out = reshape(out, out_shape);
  if (!should_record({x, w, b})) return out;
  const bool nx = needs_grad(x), nw = needs_grad(w), nb = needs_grad(b);
  Tensor xs = x2.detach(), ws = w.detach();
  Shape xshape = x.shape();
  return record(kind, out, {x, w, b}, [xs, ws, xshape, nx, nw, nb, rows, N, prec](const Tensor& g) -> std::vector<Tensor> {
    Tensor g2 = reshape(g, {rows, N});
    Tensor gx = nx ? reshape(matmul_raw(g2, transpose(ws, 0, 1), prec), xshape) : Tensor();
    Tensor gw = nw ? matmul_raw(transpose(xs, 0, 1), g2, prec) : Tensor();
    Tensor gb = nb ? sum_to(g2, {N}) : Tensor();
    return {gx, gw, gb};
  });
}

}  // namespace weft
