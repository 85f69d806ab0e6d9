#include "weft/ops/norm.h"

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/shape_ops.h"

namespace weft {

namespace {

void check_param(const char* op, const Tensor& x, const Tensor& p, const char* arg) {
  if (!p.defined()) return;
  opcheck::same_dtype(op, x, p);
  opcheck::same_device(op, x, p);
  WEFT_CHECK(p.dim() == 1 && p.shape()[0] == x.shape().back(), ShapeError, op, ": ", arg, " ", p.describe(),
             " must be 1-D with the input's last dim ", x.shape().back(), " (input ", x.describe(), ")");
}

Tensor contig(const Tensor& t) { return !t.defined() || t.is_contiguous() ? t : t.clone(); }

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  constexpr OpKind kind = OpKind::layer_norm;
  const char* op = op_cstr(kind);
  opcheck::floating(op, x, "x");
  opcheck::rank_at_least(op, x, 1, "x");
  check_param(op, x, weight, "weight");
  check_param(op, x, bias, "bias");
  WEFT_CHECK(eps > 0, ValueError, op, ": eps must be positive, got ", eps);
  const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
  Tensor xc = contig(x), wc = contig(weight), bc = contig(bias);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor mean = Tensor::empty({R}, x.dtype(), x.device());
  Tensor rstd = Tensor::empty({R}, x.dtype(), x.device());
  backend_for(x.device()).layer_norm(xc, wc, bc, eps, y, mean, rstd);
  if (!should_record({x, weight, bias})) return y;
  bool nw = needs_grad(weight), nb = needs_grad(bias);
  Tensor xs = xc.detach(), ws = wc.defined() ? wc.detach() : Tensor();
  return record(kind, y, {x, weight, bias}, [=](const Tensor& g) -> std::vector<Tensor> {
    Tensor gc = contig(g);
    Tensor gx = Tensor::empty(xs.shape(), xs.dtype(), xs.device());
    Tensor gw = nw ? Tensor::empty({C}, xs.dtype(), xs.device()) : Tensor();
    Tensor gb = nb ? Tensor::empty({C}, xs.dtype(), xs.device()) : Tensor();
    backend_for(xs.device()).layer_norm_backward(xs, ws, mean, rstd, gc, gx, gw, gb);
    return {gx, gw, gb};
  });
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps, bool eps_outside_root) {
  constexpr OpKind kind = OpKind::rms_norm;
  const char* op = op_cstr(kind);
  opcheck::floating(op, x, "x");
  opcheck::rank_at_least(op, x, 1, "x");
  check_param(op, x, weight, "weight");
  WEFT_CHECK(eps > 0, ValueError, op, ": eps must be positive, got ", eps);
  const int64_t C = x.shape().back(), R = C ? x.numel() / C : 0;
  Tensor xc = contig(x), wc = contig(weight);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor rstd = Tensor::empty({R}, x.dtype(), x.device());
  backend_for(x.device()).rms_norm(xc, wc, eps, eps_outside_root, y, rstd);
  if (!should_record({x, weight})) return y;
  bool nw = needs_grad(weight);
  Tensor xs = xc.detach(), ws = wc.defined() ? wc.detach() : Tensor();
  return record(kind, y, {x, weight}, [=](const Tensor& g) -> std::vector<Tensor> {
    Tensor gc = contig(g);
    Tensor gx = Tensor::empty(xs.shape(), xs.dtype(), xs.device());
    Tensor gw = nw ? Tensor::empty({C}, xs.dtype(), xs.device()) : Tensor();
    backend_for(xs.device()).rms_norm_backward(xs, ws, rstd, eps, eps_outside_root, gc, gx, gw);
    return {gx, gw};
  });
}

}  // namespace weft
