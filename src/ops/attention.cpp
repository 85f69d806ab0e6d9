#include "weft/ops/attention.h"

#include <cmath>

#include "op_checks.h"
#include "weft/ops/op.h"
#include "weft/autograd/node.h"
#include "weft/backend/dispatch.h"

namespace weft {

namespace {
bool inner_contiguous(const Tensor& t) {
  return t.shape().back() <= 1 || t.strides().back() == 1;
}

// Validates opts.dropout and, when it is on, draws the mask's counter range (one
// uniform per (head, i, j)) from the generator.
void set_dropout(const char* op, const AttentionOptions& opts, int64_t BH, int64_t T, AttentionParams& p) {
  WEFT_CHECK(opts.dropout >= 0.0 && opts.dropout < 1.0, ValueError, op, ": dropout probability ", opts.dropout,
             " is outside [0, 1)");
  if (opts.dropout == 0.0) return;
  Generator& g = opts.dropout_gen ? *opts.dropout_gen : default_generator();
  p.dropout = opts.dropout;
  p.dropout_state = g.draw(static_cast<uint64_t>(BH * T * T));
}

// Head h of part `part` (0 q, 1 k, 2 v) of a contiguous packed [B, T, parts·H·D]
// tensor, as a [B, H, T, D] view with strides (T·parts·H·D, D, parts·H·D, 1).
Tensor packed_heads(const Tensor& t, int64_t parts, int64_t part, int64_t H) {
  const int64_t B = t.shape()[0], T = t.shape()[1], row = t.shape()[2], D = row / (parts * H);
  return Tensor::make_view(t, {B, H, T, D}, {T * row, D, row, 1}, t.offset() + part * H * D);
}
}  // namespace

Tensor causal_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& opts) {
  constexpr OpKind kind = OpKind::causal_attention;
  const char* op = op_cstr(kind);
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
  set_dropout(op, opts, q.shape()[0] * H, q.shape()[2], p);
  if (opts.alibi_slopes.defined()) {
    const Tensor& s = opts.alibi_slopes;
    opcheck::same_dtype(op, q, s);
    opcheck::same_device(op, q, s);
    WEFT_CHECK(s.dim() == 1 && s.shape()[0] == H, ShapeError, op, ": alibi_slopes ", s.describe(),
               " must be 1-D with one slope per head (", H, ")");
    p.alibi_slopes = s.is_contiguous() ? s.detach() : s.clone();
  }
  // The kernel reads any [B, H, T, D] view with unit stride along D.
  auto contig = [](const Tensor& t) { return inner_contiguous(t) ? t.detach() : t.clone(); };
  Tensor qc = contig(q), kc = contig(k), vc = contig(v);
  Tensor out = Tensor::empty(q.shape(), q.dtype(), q.device());
  Tensor lse = Tensor::empty({q.shape()[0], H, q.shape()[2]}, q.dtype(), q.device());
  backend_for(q.device()).attention_forward(qc, kc, vc, p, out, lse);
  if (!should_record({q, k, v})) return out;
  Tensor os = out.detach();
  return record(kind, out, {q, k, v}, [qc, kc, vc, os, lse, p, contig](const Tensor& g) -> std::vector<Tensor> {
    Tensor gq = Tensor::empty(qc.shape(), qc.dtype(), qc.device());
    Tensor gk = Tensor::empty(qc.shape(), qc.dtype(), qc.device());
    Tensor gv = Tensor::empty(qc.shape(), qc.dtype(), qc.device());
    backend_for(qc.device()).attention_backward(qc, kc, vc, os, lse, contig(g), p, gq, gk, gv);
    return {gq, gk, gv};
  });
}

Tensor qkv_attention(const Tensor& qkv, int64_t n_heads, const AttentionOptions& opts) {
  constexpr OpKind kind = OpKind::qkv_attention;
  const char* op = op_cstr(kind);
  opcheck::floating(op, qkv, "qkv");
  WEFT_CHECK(qkv.dim() == 3, ShapeError, op, ": qkv must be [batch, time, 3·d_model], got ", qkv.describe());
  WEFT_CHECK(n_heads >= 1 && qkv.shape()[2] % (3 * n_heads) == 0, ShapeError, op, ": the last dim of qkv ",
             qkv.describe(), " must be 3·n_heads·head_dim with n_heads = ", n_heads);
  WEFT_CHECK(!opts.alibi_slopes.defined(), ValueError, op, ": alibi_slopes are not supported (use causal_attention)");
  const int64_t B = qkv.shape()[0], T = qkv.shape()[1], C = qkv.shape()[2] / 3, H = n_heads;
  AttentionParams p;
  p.scale = opts.scale != 0.0 ? opts.scale : 1.0 / std::sqrt(static_cast<double>(C / H));
  p.causal = opts.causal;
  set_dropout(op, opts, B * H, T, p);
  Tensor x = qkv.is_contiguous() ? qkv.detach() : qkv.clone();
  Tensor out = Tensor::empty({B, T, C}, x.dtype(), x.device());
  Tensor lse = Tensor::empty({B, H, T}, x.dtype(), x.device());
  Tensor out_heads = packed_heads(out, 1, 0, H);
  backend_for(x.device())
      .attention_forward(packed_heads(x, 3, 0, H), packed_heads(x, 3, 1, H), packed_heads(x, 3, 2, H), p, out_heads,
                         lse);
  if (!should_record({qkv})) return out;
  Tensor os = out.detach();
  return record(kind, out, {qkv}, [x, os, lse, p, H](const Tensor& g) -> std::vector<Tensor> {
    Tensor gc = g.is_contiguous() ? g : g.clone();
    // One buffer for dq, dk, dv in the packed layout: the kernel writes each head's slices.
    Tensor gx = Tensor::empty(x.shape(), x.dtype(), x.device());
    Tensor gq = packed_heads(gx, 3, 0, H), gk = packed_heads(gx, 3, 1, H), gv = packed_heads(gx, 3, 2, H);
    backend_for(x.device())
        .attention_backward(packed_heads(x, 3, 0, H), packed_heads(x, 3, 1, H), packed_heads(x, 3, 2, H),
                            packed_heads(os, 1, 0, H), lse, packed_heads(gc, 1, 0, H), p, gq, gk, gv);
    return {gx};
  });
}

Tensor shaped_combine(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta, const Tensor& gamma) {
  constexpr OpKind kind = OpKind::shaped_combine;
  const char* op = op_cstr(kind);
  opcheck::floating(op, v, "v");
  for (const Tensor* t : {&sv, &alpha, &beta, &gamma}) {
    opcheck::same_dtype(op, v, *t);
    opcheck::same_device(op, v, *t);
  }
  WEFT_CHECK(v.dim() == 4, ShapeError, op, ": v must be time-major [batch, time, heads, head_dim], got ", v.describe());
  WEFT_CHECK(sv.shape() == v.shape(), ShapeError, op, ": sv ", sv.describe(), " must have v's shape ", v.describe());
  const int64_t H = v.shape()[2];
  for (const auto& [t, name] : {std::pair{&alpha, "alpha"}, std::pair{&beta, "beta"}, std::pair{&gamma, "gamma"}})
    WEFT_CHECK(t->dim() == 1 && t->shape()[0] == H, ShapeError, op, ": ", name, " must be [", H,
               "] (one gain per head), got ", t->describe());
  auto contig = [](const Tensor& t) { return t.is_contiguous() ? t.detach() : t.clone(); };
  Tensor vc = contig(v), sc = contig(sv), ac = contig(alpha), bc = contig(beta), gc = contig(gamma);
  Tensor out = Tensor::empty(v.shape(), v.dtype(), v.device());
  backend_for(v.device()).shaped_mix(vc, sc, ac, bc, gc, out);
  if (!should_record({v, sv, alpha, beta, gamma})) return out;
  return record(kind, out, {v, sv, alpha, beta, gamma},
                [vc, sc, ac, bc, gc, contig](const Tensor& g) -> std::vector<Tensor> {
                  Tensor gv = Tensor::empty(vc.shape(), vc.dtype(), vc.device());
                  Tensor gs = Tensor::empty(vc.shape(), vc.dtype(), vc.device());
                  Tensor ga = Tensor::empty(ac.shape(), ac.dtype(), ac.device());
                  Tensor gb = Tensor::empty(ac.shape(), ac.dtype(), ac.device());
                  Tensor gg = Tensor::empty(ac.shape(), ac.dtype(), ac.device());
                  backend_for(vc.device()).shaped_mix_backward(vc, sc, ac, bc, gc, contig(g), gv, gs, ga, gb, gg);
                  return {gv, gs, ga, gb, gg};
                });
}

}  // namespace weft
