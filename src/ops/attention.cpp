#include "weft/ops/attention.h"

#include <cmath>

#include "op_checks.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"

namespace weft {

Tensor causal_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& opts) {
  const char* op = "causal_attention";
  opcheck::floating(op, q, "q");
  opcheck::floating(op, k, "k");
  opcheck::floating(op, v, "v");
  opcheck::same_dtype(op, q, k);
  opcheck::same_dtype(op, q, v);
  opcheck::same_device(op, q, k);
  opcheck::same_device(op, q, v);
  WEFT_CHECK(q.dim() == 4, ShapeError, op, ": q must be [batch, heads, time, head_dim], got ", q.describe());
  WEFT_CHECK(k.shape() == q.shape() && v.shape() == q.shape(), ShapeError, op, ": q ", q.describe(), ", k ",
             k.describe(), " and v ", v.describe(), " must have the same [batch, heads, time, head_dim] shape");
  const int64_t H = q.shape()[1], D = q.shape()[3];
  AttentionParams p;
  p.scale = opts.scale != 0.0 ? opts.scale : 1.0 / std::sqrt(static_cast<double>(D));
  p.causal = opts.causal;
  if (opts.alibi_slopes.defined()) {
    const Tensor& s = opts.alibi_slopes;
    opcheck::same_dtype(op, q, s);
    opcheck::same_device(op, q, s);
    WEFT_CHECK(s.dim() == 1 && s.shape()[0] == H, ShapeError, op, ": alibi_slopes ", s.describe(),
               " must be 1-D with one slope per head (", H, ")");
    p.alibi_slopes = s.is_contiguous() ? s.detach() : s.clone();
  }
  auto contig = [](const Tensor& t) { return t.is_contiguous() ? t.detach() : t.clone(); };
  Tensor qc = contig(q), kc = contig(k), vc = contig(v);
  Tensor out = Tensor::empty(q.shape(), q.dtype(), q.device());
  Tensor lse = Tensor::empty({q.shape()[0], H, q.shape()[2]}, q.dtype(), q.device());
  backend_for(q.device()).attention_forward(qc, kc, vc, p, out, lse);
  if (!should_record({q, k, v})) return out;
  Tensor os = out.detach();
  return record(op, out, {q, k, v}, [qc, kc, vc, os, lse, p, contig](const Tensor& g) -> std::vector<Tensor> {
    Tensor gq = Tensor::empty(qc.shape(), qc.dtype(), qc.device());
    Tensor gk = Tensor::empty(qc.shape(), qc.dtype(), qc.device());
    Tensor gv = Tensor::empty(qc.shape(), qc.dtype(), qc.device());
    backend_for(qc.device()).attention_backward(qc, kc, vc, os, lse, contig(g), p, gq, gk, gv);
    return {gq, gk, gv};
  });
}

}  // namespace weft
