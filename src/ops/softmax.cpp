#include "weft/ops/softmax.h"

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/elementwise.h"
#include "weft/ops/reduce.h"
#include "weft/ops/shape_ops.h"

namespace weft {

namespace {

// Softmax over the last dim of a contiguous tensor; other dims move there and back.
Tensor softmax_impl(OpKind kind, const Tensor& x, int64_t dim, bool log) {
  const char* op = op_cstr(kind);
  opcheck::floating(op, x, "x");
  WEFT_CHECK(x.dim() >= 1, ShapeError, op, ": needs at least one dim, got ", x.describe());
  int d = normalize_dim(dim, x.dim(), op);
  const int last = static_cast<int>(x.dim()) - 1;
  if (d != last) return transpose(softmax_impl(kind, transpose(x, d, last), -1, log), d, last);
  Tensor xc = x.is_contiguous() ? x : x.clone();
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).softmax(xc, y, log);
  if (!should_record({x})) return y;
  Tensor ys = y.detach();
  return record(kind, y, {x}, [ys, log](const Tensor& g) -> std::vector<Tensor> {
    Tensor gc = g.is_contiguous() ? g : g.clone();
    Tensor gx = Tensor::empty(ys.shape(), ys.dtype(), ys.device());
    backend_for(ys.device()).softmax_backward(ys, gc, gx, log);
    return {gx};
  });
}

// 1 / (the number of targets that are not ignore_index), 0 when there are none: an
// f64 scalar on the targets' device. The cpu counts on the host; a device counts
// with ops (no host read), dividing the same f64 numbers.
Tensor mean_scale(const Tensor& t, int64_t ignore) {
  const Device d = t.device();
  if (d.is_cpu()) {
    const int64_t* p = t.data<int64_t>();
    int64_t counted = 0;
    for (int64_t i = 0; i < t.numel(); ++i) counted += p[i] != ignore;
    return Tensor::scalar(counted ? 1.0 / static_cast<double>(counted) : 0.0, DType::f64);
  }
  const Tensor f = t.to(DType::f64);
  const Tensor counted = sub(Tensor::scalar(static_cast<double>(t.numel()), DType::f64, d),
                             sum(eq(f, Tensor::scalar(static_cast<double>(ignore), DType::f64, d))));
  const Tensor zero = Tensor::scalar(0.0, DType::f64, d), one = Tensor::scalar(1.0, DType::f64, d);
  return where(gt(counted, zero), div(one, where(gt(counted, zero), counted, one)), zero);
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(OpKind::softmax, x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(OpKind::log_softmax, x, dim, true); }

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& opts) {
  constexpr OpKind kind = OpKind::softmax_cross_entropy;
  const char* op = op_cstr(kind);
  opcheck::floating(op, logits, "logits");
  opcheck::index(op, targets, "targets");
  opcheck::same_device(op, logits, targets);
  WEFT_CHECK(logits.dim() >= 1, ShapeError, op, ": logits must have a class dim, got ", logits.describe());
  Shape expect(logits.shape().begin(), logits.shape().end() - 1);
  WEFT_CHECK(targets.shape() == expect, ShapeError, op, ": targets ", targets.describe(), " do not match logits ",
             logits.describe(), " (expected targets of shape ", shape_str(expect), ")");
  WEFT_CHECK(opts.label_smoothing >= 0.0 && opts.label_smoothing <= 1.0, ValueError, op, ": label_smoothing ",
             opts.label_smoothing, " is outside [0, 1]");
  const int64_t V = logits.shape().back();
  const int64_t N = V ? logits.numel() / V : 0;
  Tensor x2 = logits.is_contiguous() ? logits : logits.clone();
  x2 = Tensor::make_view(x2, {N, V}, {V, 1}, x2.offset());
  Tensor t1 = reshape(targets.is_contiguous() ? targets.detach() : targets.clone(), {N});
  Backend& be = backend_for(logits.device());
  be.check_indices(t1, IndexBounds{op, "classes", V, true, opts.ignore_index});
  Tensor loss = Tensor::empty({N}, logits.dtype(), logits.device());
  Tensor lse = Tensor::empty({N}, logits.dtype(), logits.device());
  be.cross_entropy(x2, t1, opts.ignore_index, opts.label_smoothing, loss, lse);

  // Reduce without history; the fused backward covers the whole chain. The mean's
  // 1/count is computed where the targets are (no host read on a device): the same
  // f64 quotient either way, rounded to the loss's dtype once.
  Tensor scale = Tensor::scalar(1.0, logits.dtype(), logits.device());
  Tensor out;
  switch (opts.reduction) {
    case Reduction::none: out = reshape(loss.detach(), expect); break;
    case Reduction::sum: out = sum(loss.detach()); break;
    case Reduction::mean:
      scale = mean_scale(t1, opts.ignore_index).to(logits.dtype());
      out = mul(sum(loss.detach()), scale);
      break;
  }
  if (!should_record({logits})) return out;
  out = out.detach();
  Tensor xs = x2.detach(), ls = lse.detach(), ts = t1;
  Shape in = logits.shape();
  const Reduction red = opts.reduction;
  const int64_t ign = opts.ignore_index;
  const double smooth = opts.label_smoothing;
  return record(kind, out, {logits}, [=](const Tensor& g) -> std::vector<Tensor> {
    // Per-row upstream gradient.
    Tensor grow = red == Reduction::none ? reshape(g, {N}).clone() : expand(reshape(mul(g, scale), {1}), {N}).clone();
    Tensor gx = Tensor::empty({N, V}, xs.dtype(), xs.device());
    backend_for(xs.device()).cross_entropy_backward(xs, ts, ls, grow, ign, smooth, gx);
    return {reshape(gx, in)};
  });
}

}  // namespace weft
