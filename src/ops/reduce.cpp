#include "weft/ops/reduce.h"

#include <algorithm>

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/grad_mode.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/elementwise.h"
#include "weft/ops/shape_ops.h"

namespace weft {

namespace {

// Normalised, sorted, unique dims (all dims when empty) and the keepdim shape.
std::vector<int> reduce_dims(const char* op, const Tensor& x, const Dims& dims, Shape& keep_shape) {
  std::vector<int> ds;
  if (dims.empty())
    for (int64_t d = 0; d < x.dim(); ++d) ds.push_back(static_cast<int>(d));
  for (int64_t d : dims) {
    int n = normalize_dim(d, x.dim(), op);
    WEFT_CHECK(std::find(ds.begin(), ds.end(), n) == ds.end(), ShapeError, op, ": dim ", n,
               " is listed twice");
    ds.push_back(n);
  }
  std::sort(ds.begin(), ds.end());
  keep_shape = x.shape();
  for (int d : ds) keep_shape[d] = 1;
  return ds;
}

Shape drop_dims(const Shape& s, const std::vector<int>& ds) {
  Shape out;
  for (size_t i = 0; i < s.size(); ++i)
    if (std::find(ds.begin(), ds.end(), static_cast<int>(i)) == ds.end()) out.push_back(s[i]);
  return out;
}

int64_t reduced_count(const Tensor& x, const std::vector<int>& ds) {
  int64_t n = 1;
  for (int d : ds) n *= x.shape()[d];
  return n;
}

Tensor raw_reduce(ReduceOp op, const Tensor& x, const Shape& keep_shape) {
  Tensor out = Tensor::empty(keep_shape, x.dtype(), x.device());
  backend_for(x.device()).reduce(op, x, out);
  return out;
}

// Result in keepdim form → user-facing form.
Tensor finish(const Tensor& r, const Shape& keep_shape, const std::vector<int>& ds, bool keepdim) {
  return keepdim ? r : reshape(r, drop_dims(keep_shape, ds));
}

}  // namespace

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  opcheck::defined("sum", x, "x");
  Shape ks;
  auto ds = reduce_dims("sum", x, dims, ks);
  Tensor r = raw_reduce(ReduceOp::sum, x, ks);
  Shape in = x.shape();
  r = record(OpKind::sum, r, {x}, [in, ks](const Tensor& g) -> std::vector<Tensor> {
    return {expand(reshape(g, ks), in)};
  });
  return finish(r, ks, ds, keepdim);
}

Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  opcheck::floating("mean", x, "x");
  Shape ks;
  auto ds = reduce_dims("mean", x, dims, ks);
  const int64_t n = reduced_count(x, ds);
  Tensor r;
  {
    NoGradGuard ng;
    r = div(raw_reduce(ReduceOp::sum, x, ks), static_cast<double>(n));
  }
  Shape in = x.shape();
  r = record(OpKind::mean, r, {x}, [in, ks, n](const Tensor& g) -> std::vector<Tensor> {
    return {expand(div(reshape(g, ks), static_cast<double>(n)), in)};
  });
  return finish(r, ks, ds, keepdim);
}

Tensor max(const Tensor& x, const Dims& dims, bool keepdim) {
  opcheck::defined("max", x, "x");
  WEFT_CHECK(x.numel() > 0, ShapeError, "max: reduction over an empty tensor ", x.describe());
  Shape ks;
  auto ds = reduce_dims("max", x, dims, ks);
  Tensor r = raw_reduce(ReduceOp::max, x, ks);
  if (should_record({x})) {
    Tensor xs = x.detach(), rs = r.detach();
    r = record(OpKind::max, r, {x}, [xs, rs, ks](const Tensor& g) -> std::vector<Tensor> {
      // Ties share the gradient equally (amax semantics).
      Tensor hit = eq(xs, rs);
      Tensor ties = sum_to(hit, ks);
      return {mul(hit, div(reshape(g, ks), ties))};
    });
  }
  return finish(r, ks, ds, keepdim);
}

Tensor logsumexp(const Tensor& x, const Dims& dims, bool keepdim) {
  opcheck::floating("logsumexp", x, "x");
  Shape ks;
  auto ds = reduce_dims("logsumexp", x, dims, ks);
  Tensor r;
  {
    NoGradGuard ng;
    Tensor m = raw_reduce(ReduceOp::max, x, ks);
    // Rows that are all −inf keep m finite so the result is −inf, not NaN.
    Tensor finite_m = where(eq(m, Tensor::scalar(-INFINITY, m.dtype(), m.device())),
                            Tensor::zeros({}, m.dtype(), m.device()), m);
    r = add(log(raw_reduce(ReduceOp::sum, exp(sub(x, finite_m)), ks)), finite_m);
  }
  if (should_record({x})) {
    Tensor xs = x.detach(), rs = r.detach();
    r = record(OpKind::logsumexp, r, {x}, [xs, rs, ks](const Tensor& g) -> std::vector<Tensor> {
      return {mul(reshape(g, ks), exp(sub(xs, rs)))};
    });
  }
  return finish(r, ks, ds, keepdim);
}

Tensor var(const Tensor& x, const Dims& dims, bool keepdim, int64_t correction) {
  opcheck::floating("var", x, "x");
  Shape ks;
  auto ds = reduce_dims("var", x, dims, ks);
  const int64_t n = reduced_count(x, ds);
  WEFT_CHECK(correction >= 0 && n - correction > 0, ValueError, "var: ", n, " elements with correction ",
             correction, " leave no degrees of freedom");
  const double denom = static_cast<double>(n - correction);
  Tensor r, centered;
  {
    NoGradGuard ng;
    Tensor mu = div(raw_reduce(ReduceOp::sum, x, ks), static_cast<double>(n));
    centered = sub(x, mu);
    r = div(raw_reduce(ReduceOp::sum, mul(centered, centered), ks), denom);
  }
  r = record(OpKind::var, r, {x}, [centered, ks, denom](const Tensor& g) -> std::vector<Tensor> {
    return {mul(reshape(g, ks), mul(centered, 2.0 / denom))};
  });
  return finish(r, ks, ds, keepdim);
}

Tensor cumsum(const Tensor& x, int64_t dim) {
  opcheck::defined("cumsum", x, "x");
  int d = normalize_dim(dim, x.dim(), "cumsum");
  Tensor xc = x.is_contiguous() ? x : x.clone();
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend_for(x.device()).cumsum(xc, d, out);
  return record(OpKind::cumsum, out, {x}, [d](const Tensor& g) -> std::vector<Tensor> {
    // Reverse cumulative sum: gx_i = Σ_{j≥i} g_j = total − cumsum(g)_i + g_i.
    Tensor total = sum(g, {d}, true);
    return {add(sub(total, cumsum(g, d)), g)};
  });
}

}  // namespace weft
