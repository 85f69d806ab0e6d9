#include "weft/ops/shape_ops.h"

#include <limits>
#include <numeric>

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/elementwise.h"
#include "weft/ops/reduce.h"

namespace weft {

namespace {

// Strides for viewing (shape, strides) as `to` without copying, if possible: each
// run of source dims that is contiguous within itself may be re-split freely
// (the algorithm of PyTorch's computeStride).
bool view_strides(const Shape& from, const Strides& fst, const Shape& to, Strides& out) {
  out.assign(to.size(), 0);
  if (numel(from) <= 1 || from.empty()) {
    out = contiguous_strides(to);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(to.size()) - 1;
  int64_t chunk_base = fst.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(from.size()) - 1; d >= 0; --d) {
    tensor_numel *= from[d];
    if (d == 0 || (from[d - 1] != 1 && fst[d - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || to[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base;
        view_numel *= to[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base = fst[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

Shape infer_shape(const char* op, const Tensor& x, Shape shape) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      WEFT_CHECK(infer < 0, ShapeError, op, ": only one dim may be -1 in ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      WEFT_CHECK(shape[i] >= 0, ShapeError, op, ": negative size in target shape ", shape_str(shape));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    WEFT_CHECK(known != 0 && x.numel() % known == 0, ShapeError, op, ": cannot reshape ", x.describe(), " into ",
               shape_str(shape));
    shape[static_cast<size_t>(infer)] = x.numel() / known;
  }
  WEFT_CHECK(numel(shape) == x.numel(), ShapeError, op, ": cannot reshape ", x.describe(), " (", x.numel(),
             " elements) into ", shape_str(shape), " (", numel(shape), " elements)");
  return shape;
}

}  // namespace

Tensor reshape(const Tensor& x, Shape shape) {
  opcheck::defined("reshape", x, "x");
  shape = infer_shape("reshape", x, std::move(shape));
  Strides st;
  Tensor out;
  if (view_strides(x.shape(), x.strides(), shape, st))
    out = Tensor::make_view(x, shape, st, x.offset());
  else
    out = Tensor::make_view(x.clone(), shape, contiguous_strides(shape), 0);
  Shape in = x.shape();
  return record(OpKind::reshape, out, {x}, [in](const Tensor& g) -> std::vector<Tensor> { return {reshape(g, in)}; });
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  opcheck::defined("transpose", x, "x");
  int a = normalize_dim(d0, x.dim(), "transpose"), b = normalize_dim(d1, x.dim(), "transpose");
  Shape sh = x.shape();
  Strides st = x.strides();
  std::swap(sh[a], sh[b]);
  std::swap(st[a], st[b]);
  Tensor out = Tensor::make_view(x, sh, st, x.offset());
  return record(OpKind::transpose, out, {x}, [a, b](const Tensor& g) -> std::vector<Tensor> { return {transpose(g, a, b)}; });
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& order) {
  opcheck::defined("permute", x, "x");
  WEFT_CHECK(static_cast<int64_t>(order.size()) == x.dim(), ShapeError, "permute: order has ", order.size(),
             " entries for a tensor with ", x.dim(), " dims");
  std::vector<int64_t> inv(order.size(), -1);
  Shape sh(order.size());
  Strides st(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    int d = normalize_dim(order[i], x.dim(), "permute");
    WEFT_CHECK(inv[d] < 0, ShapeError, "permute: dim ", d, " appears twice in the order");
    inv[d] = static_cast<int64_t>(i);
    sh[i] = x.shape()[d];
    st[i] = x.strides()[d];
  }
  Tensor out = Tensor::make_view(x, sh, st, x.offset());
  return record(OpKind::permute, out, {x}, [inv](const Tensor& g) -> std::vector<Tensor> { return {permute(g, inv)}; });
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  opcheck::defined("narrow", x, "x");
  int d = normalize_dim(dim, x.dim(), "narrow");
  const int64_t n = x.shape()[d];
  WEFT_CHECK(start >= 0 && length >= 0 && start + length <= n, IndexError, "narrow: range [", start, ", ",
             start + length, ") is outside dim ", d, " of size ", n, " of ", x.describe());
  Shape sh = x.shape();
  sh[d] = length;
  Tensor out = Tensor::make_view(x, sh, x.strides(), x.offset() + start * x.strides()[d]);
  Shape in = x.shape();
  return record(OpKind::narrow, out, {x}, [in, d, start, length](const Tensor& g) -> std::vector<Tensor> {
    Tensor gx = Tensor::zeros(in, g.dtype(), g.device());
    Tensor slot = Tensor::make_view(gx, g.shape(), gx.strides(), start * gx.strides()[d]);
    (void)length;
    backend_for(g.device()).copy(g, slot);
    return {gx};
  });
}

Tensor expand(const Tensor& x, const Shape& shape) {
  opcheck::defined("expand", x, "x");
  WEFT_CHECK(shape.size() >= x.shape().size(), ShapeError, "expand: cannot expand ", x.describe(), " to fewer dims ",
             shape_str(shape));
  const size_t lead = shape.size() - x.shape().size();
  Strides st(shape.size(), 0);
  for (size_t i = 0; i < x.shape().size(); ++i) {
    int64_t have = x.shape()[i], want = shape[lead + i];
    WEFT_CHECK(have == want || have == 1, ShapeError, "expand: cannot expand ", x.describe(), " to ",
               shape_str(shape), " (dim ", lead + i, ": ", have, " vs ", want, ")");
    st[lead + i] = have == want ? x.strides()[i] : 0;
  }
  if (shape == x.shape()) return x;
  Tensor out = Tensor::make_view(x, shape, st, x.offset());
  Shape in = x.shape();
  return record(OpKind::expand, out, {x}, [in](const Tensor& g) -> std::vector<Tensor> { return {sum_to(g, in)}; });
}

Tensor contiguous(const Tensor& x) {
  opcheck::defined("contiguous", x, "x");
  if (x.is_contiguous()) return x;
  Tensor out = x.clone();
  return record(OpKind::contiguous, out, {x}, [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
}

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  WEFT_CHECK(!xs.empty(), ShapeError, "concat: needs at least one tensor");
  for (size_t i = 0; i < xs.size(); ++i) opcheck::defined("concat", xs[i], "xs");
  const Tensor& x0 = xs[0];
  int d = normalize_dim(dim, x0.dim(), "concat");
  Shape out_shape = x0.shape();
  int64_t total = 0;
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    opcheck::same_dtype("concat", x0, x);
    opcheck::same_device("concat", x0, x);
    bool ok = x.dim() == x0.dim();
    for (int64_t k = 0; ok && k < x.dim(); ++k) ok = (k == d) || x.shape()[k] == x0.shape()[k];
    WEFT_CHECK(ok, ShapeError, "concat: tensor ", i, " ", x.describe(), " does not match tensor 0 ", x0.describe(),
               " outside dim ", d);
    sizes.push_back(x.shape()[d]);
    total += x.shape()[d];
  }
  out_shape[d] = total;
  Tensor out = Tensor::empty(out_shape, x0.dtype(), x0.device());
  int64_t off = 0;
  for (const Tensor& x : xs) {
    Tensor slot = Tensor::make_view(out, x.shape(), out.strides(), off * out.strides()[d]);
    backend_for(out.device()).copy(x, slot);
    off += x.shape()[d];
  }
  return record(OpKind::concat, out, xs, [sizes, d](const Tensor& g) -> std::vector<Tensor> {
    std::vector<Tensor> gs;
    int64_t o = 0;
    for (int64_t s : sizes) {
      gs.push_back(narrow(g, d, o, s));
      o += s;
    }
    return gs;
  });
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  opcheck::defined("split", x, "x");
  int d = normalize_dim(dim, x.dim(), "split");
  int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  WEFT_CHECK(total == x.shape()[d], ShapeError, "split: sizes add up to ", total, " but dim ", d, " of ",
             x.describe(), " has ", x.shape()[d]);
  std::vector<Tensor> out;
  int64_t o = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(x, d, o, s));
    o += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  opcheck::defined("split", x, "x");
  int d = normalize_dim(dim, x.dim(), "split");
  WEFT_CHECK(chunks > 0 && x.shape()[d] % chunks == 0, ShapeError, "split: dim ", d, " of ", x.describe(),
             " cannot be split into ", chunks, " equal chunks");
  return split(x, std::vector<int64_t>(static_cast<size_t>(chunks), x.shape()[d] / chunks), d);
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  WEFT_CHECK(!xs.empty(), ShapeError, "stack: needs at least one tensor");
  int d = normalize_dim(dim, xs[0].dim() + 1, "stack");
  std::vector<Tensor> us;
  for (size_t i = 0; i < xs.size(); ++i) {
    opcheck::defined("stack", xs[i], "xs");
    WEFT_CHECK(xs[i].shape() == xs[0].shape(), ShapeError, "stack: tensor ", i, " ", xs[i].describe(),
               " does not match tensor 0 ", xs[0].describe());
    us.push_back(unsqueeze(xs[i], d));
  }
  return concat(us, d);
}

static Tensor triangle_op(OpKind kind, const Tensor& x, int64_t k, bool lower) {
  const char* op = op_cstr(kind);
  opcheck::defined(op, x, "x");
  opcheck::rank_at_least(op, x, 2, "x");
  Tensor xc = x.is_contiguous() ? x : x.clone();
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).triangle(xc, k, lower, out);
  return record(kind, out, {x}, [k, lower](const Tensor& g) -> std::vector<Tensor> {
    return {lower ? tril(g, k) : triu(g, k)};
  });
}
Tensor tril(const Tensor& x, int64_t k) { return triangle_op(OpKind::tril, x, k, true); }
Tensor triu(const Tensor& x, int64_t k) { return triangle_op(OpKind::triu, x, k, false); }

Tensor causal_mask(int64_t T, DType dtype, Device device) {
  WEFT_CHECK(T >= 0, ShapeError, "causal_mask: negative length ", T);
  WEFT_CHECK(dtype == DType::f32 || dtype == DType::f64, DTypeError, "causal_mask: dtype ", dtype_name(dtype),
             " cannot hold -inf; expected f32 or f64");
  Tensor full = Tensor::full({T, T}, -std::numeric_limits<double>::infinity(), dtype, device);
  Tensor out = Tensor::empty({T, T}, dtype, device);
  backend_for(device).triangle(full, 1, false, out);  // −inf strictly above the diagonal, 0 elsewhere
  return out;
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  int d = normalize_dim(dim, x.dim() + 1, "unsqueeze");
  Shape s = x.shape();
  s.insert(s.begin() + d, 1);
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
  int d = normalize_dim(dim, x.dim(), "squeeze");
  WEFT_CHECK(x.shape()[d] == 1, ShapeError, "squeeze: dim ", d, " of ", x.describe(), " has size ", x.shape()[d],
             ", expected 1");
  Shape s = x.shape();
  s.erase(s.begin() + d);
  return reshape(x, s);
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  int a = normalize_dim(start_dim, x.dim(), "flatten"), b = normalize_dim(end_dim, x.dim(), "flatten");
  Shape s;
  for (int i = 0; i < a; ++i) s.push_back(x.shape()[i]);
  int64_t m = 1;
  for (int i = a; i <= b; ++i) m *= x.shape()[i];
  s.push_back(m);
  for (int64_t i = b + 1; i < x.dim(); ++i) s.push_back(x.shape()[i]);
  return reshape(x, s);
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const size_t lead = g.shape().size() - shape.size();
  Dims dims;
  for (size_t i = 0; i < g.shape().size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) dims.push_back(static_cast<int64_t>(i));
  Tensor s = dims.empty() ? g : sum(g, dims, true);
  return reshape(s, shape);
}

}  // namespace weft
