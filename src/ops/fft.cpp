#include "weft/ops/fft.h"

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/elementwise.h"
#include "weft/ops/shape_ops.h"

namespace weft {

namespace {

Tensor contig(const Tensor& t) { return t.is_contiguous() ? t.detach() : t.clone(); }

// Per-bin weights [F, 2] for the rfft/irfft adjoints: bins that stand for a
// conjugate pair (all but DC and, for even n, Nyquist) get `pair`, the others
// `edge` on the real part and `edge_imag` on the imaginary part.
Tensor bin_weights(int64_t n, double pair, double edge, double edge_imag, DType dt, Device dev) {
  const int64_t F = n / 2 + 1;
  std::vector<double> w(static_cast<size_t>(2 * F));
  for (int64_t k = 0; k < F; ++k) {
    bool is_edge = k == 0 || (n % 2 == 0 && k == n / 2);
    w[2 * k] = is_edge ? edge : pair;
    w[2 * k + 1] = is_edge ? edge_imag : pair;
  }
  return Tensor::from_vector(w, {F, 2}, dev).to(dt);
}

Tensor rfft_last(const Tensor& x);
Tensor irfft_last(const Tensor& x, int64_t n);

// rfft along the last dim, with history.
Tensor rfft_last(const Tensor& x) {
  const int64_t n = x.shape().back();
  Shape os = x.shape();
  os.back() = n / 2 + 1;
  os.push_back(2);
  Tensor out = Tensor::empty(os, x.dtype(), x.device());
  backend_for(x.device()).rfft(contig(x), out);
  return record(OpKind::rfft, out, {x}, [n](const Tensor& g) -> std::vector<Tensor> {
    // dL/dx_m = Re Σ_k g_k e^{+2πikm/n}: a c2r of g with pair bins halved, times n.
    Tensor w = bin_weights(n, 0.5, 1.0, 1.0, g.dtype(), g.device());
    return {mul(irfft_last(mul(g, w), n), static_cast<double>(n))};
  });
}

// irfft along the frequency dim (second to last; last is re/im), with history.
Tensor irfft_last(const Tensor& x, int64_t n) {
  Shape os(x.shape().begin(), x.shape().end() - 1);
  os.back() = n;
  Tensor out = Tensor::empty(os, x.dtype(), x.device());
  backend_for(x.device()).irfft(contig(x), n, out);
  return record(OpKind::irfft, out, {x}, [n](const Tensor& g) -> std::vector<Tensor> {
    // Adjoint of (1/n)·c2r: pair bins count twice; the ignored imaginary parts get 0.
    Tensor w = bin_weights(n, 2.0 / static_cast<double>(n), 1.0 / static_cast<double>(n), 0.0, g.dtype(),
                           g.device());
    return {mul(rfft_last(g), w)};
  });
}

Tensor conv_impl(OpKind kind, const Tensor& a, const Tensor& v, bool causal) {
  const char* op = op_cstr(kind);
  opcheck::floating(op, a, "a");
  opcheck::floating(op, v, "v");
  opcheck::same_dtype(op, a, v);
  opcheck::same_device(op, a, v);
  opcheck::rank_at_least(op, a, 1, "a");
  bool ok = v.dim() == a.dim() + 1;
  for (int64_t i = 0; ok && i < a.dim(); ++i) ok = a.shape()[i] == v.shape()[i];
  WEFT_CHECK(ok, ShapeError, op, ": weights a ", a.describe(), " must be [..., T] and values v ", v.describe(),
             " [..., T, D] with the same leading dims and T");
  Tensor ac = contig(a), vc = contig(v);
  Tensor out = Tensor::empty(v.shape(), v.dtype(), v.device());
  backend_for(v.device()).fft_conv(ac, vc, causal, out);
  if (!should_record({a, v})) return out;
  return record(kind, out, {a, v}, [ac, vc, causal](const Tensor& g) -> std::vector<Tensor> {
    Tensor ga = Tensor::empty(ac.shape(), ac.dtype(), ac.device());
    Tensor gv = Tensor::empty(vc.shape(), vc.dtype(), vc.device());
    backend_for(vc.device()).fft_conv_backward(ac, vc, contig(g), causal, ga, gv);
    return {ga, gv};
  });
}

}  // namespace

Tensor rfft(const Tensor& x, int64_t dim) {
  opcheck::floating("rfft", x, "x");
  opcheck::rank_at_least("rfft", x, 1, "x");
  int d = normalize_dim(dim, x.dim(), "rfft");
  WEFT_CHECK(x.shape()[d] >= 1, ShapeError, "rfft: transform length must be at least 1, got ", x.describe());
  const int last = static_cast<int>(x.dim()) - 1;
  if (d == last) return rfft_last(x);
  // Move dim to the end, transform, and move the frequency axis back (complex stays last).
  Tensor y = rfft_last(transpose(x, d, last));  // [..., F, 2] with dim `d` holding the old last
  return transpose(y, d, last);
}

Tensor irfft(const Tensor& x, int64_t n, int64_t dim) {
  opcheck::floating("irfft", x, "x");
  WEFT_CHECK(x.dim() >= 2 && x.shape().back() == 2, ShapeError,
             "irfft: input must end in a (re, im) dim of size 2, got ", x.describe());
  WEFT_CHECK(n >= 1, ShapeError, "irfft: output length must be at least 1, got ", n);
  int d = normalize_dim(dim, x.dim() - 1, "irfft");
  WEFT_CHECK(x.shape()[d] == n / 2 + 1, ShapeError, "irfft: ", n, " output samples need ", n / 2 + 1,
             " frequency bins along dim ", d, ", got ", x.describe());
  const int last = static_cast<int>(x.dim()) - 2;
  if (d == last) return irfft_last(x, n);
  return transpose(irfft_last(transpose(x, d, last), n), d, last);
}

Tensor circular_conv(const Tensor& a, const Tensor& v) { return conv_impl(OpKind::circular_conv, a, v, false); }
Tensor causal_conv(const Tensor& a, const Tensor& v) { return conv_impl(OpKind::causal_conv, a, v, true); }

}  // namespace weft
