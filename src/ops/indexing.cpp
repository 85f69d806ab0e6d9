#include "weft/ops/indexing.h"

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/shape_ops.h"

namespace weft {

namespace {

// Contiguous i64 indices, every value checked against [0, n) where they live
// (Backend::check_indices: at once on the cpu; on a device without a host round trip,
// reported at the next read to the host).
Tensor checked_indices(const char* op, const Tensor& idx, int64_t n, const char* what) {
  opcheck::index(op, idx, "idx");
  Tensor c = idx.is_contiguous() ? idx : idx.clone();
  backend_for(c.device()).check_indices(c, IndexBounds{op, what, n, false, 0});
  return c;
}

Tensor contig(const Tensor& t) { return t.is_contiguous() ? t : t.clone(); }

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& idx) {
  constexpr OpKind kind = OpKind::embedding;
  const char* op = op_cstr(kind);
  opcheck::floating(op, weight, "weight");
  WEFT_CHECK(weight.dim() == 2, ShapeError, op, ": weight must be [vocab, dim], got ", weight.describe());
  opcheck::same_device(op, weight, idx);
  const int64_t V = weight.shape()[0], D = weight.shape()[1];
  Tensor ic = checked_indices(op, idx, V, "a vocabulary");
  Tensor flat = reshape(ic.detach(), {ic.numel()});
  Tensor out = Tensor::empty({ic.numel(), D}, weight.dtype(), weight.device());
  backend_for(weight.device()).index_select(contig(weight), 0, flat, out);
  Shape os = idx.shape();
  os.push_back(D);
  out = reshape(out, os);
  return record(kind, out, {weight}, [flat, V, D](const Tensor& g) -> std::vector<Tensor> {
    Tensor gw = Tensor::zeros({V, D}, g.dtype(), g.device());
    backend_for(g.device()).index_add(gw, 0, flat, reshape(contig(g), {flat.numel(), D}));
    return {gw};
  });
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& idx) {
  constexpr OpKind kind = OpKind::index_select;
  const char* op = op_cstr(kind);
  opcheck::defined(op, x, "x");
  opcheck::same_device(op, x, idx);
  int d = normalize_dim(dim, x.dim(), op);
  WEFT_CHECK(idx.dim() == 1, ShapeError, op, ": indices must be 1-D, got ", idx.describe());
  Tensor ic = checked_indices(op, idx, x.shape()[d], "the selected dim");
  Shape os = x.shape();
  os[d] = ic.numel();
  Tensor out = Tensor::empty(os, x.dtype(), x.device());
  backend_for(x.device()).index_select(contig(x), d, ic, out);
  Shape in = x.shape();
  Tensor is = ic.detach();
  return record(kind, out, {x}, [in, d, is](const Tensor& g) -> std::vector<Tensor> {
    Tensor gx = Tensor::zeros(in, g.dtype(), g.device());
    backend_for(g.device()).index_add(gx, d, is, contig(g));
    return {gx};
  });
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& idx) {
  constexpr OpKind kind = OpKind::gather;
  const char* op = op_cstr(kind);
  opcheck::defined(op, x, "x");
  opcheck::same_device(op, x, idx);
  int d = normalize_dim(dim, x.dim(), op);
  bool ok = idx.dim() == x.dim();
  for (int64_t k = 0; ok && k < x.dim(); ++k) ok = k == d || idx.shape()[k] == x.shape()[k];
  WEFT_CHECK(ok, ShapeError, op, ": indices ", idx.describe(), " must match input ", x.describe(),
             " in every dim except dim ", d);
  Tensor ic = checked_indices(op, idx, x.shape()[d], "the gathered dim");
  Tensor out = Tensor::empty(idx.shape(), x.dtype(), x.device());
  backend_for(x.device()).gather(contig(x), d, ic, out);
  Shape in = x.shape();
  Tensor is = ic.detach();
  return record(kind, out, {x}, [in, d, is](const Tensor& g) -> std::vector<Tensor> {
    Tensor gx = Tensor::zeros(in, g.dtype(), g.device());
    backend_for(g.device()).scatter_add(gx, d, is, contig(g));
    return {gx};
  });
}

}  // namespace weft
