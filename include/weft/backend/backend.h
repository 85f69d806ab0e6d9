// defines: Backend — the abstract kernel interface, one pure virtual per kernel.
//
// A backend without some kernel does not compile (no
// default bodies, no runtime "not supported"). ops/ is the only caller: every op
// checks shapes/dtypes/devices first, then calls exactly one of these through
// backend_for(device) (backend/dispatch.h). Kernels never record autograd history.
//
// Layout contracts: "strided" kernels accept any view; "contiguous" kernels
// require row-major dense inputs and outputs (ops/ calls contiguous() first).
// Outputs are always freshly allocated by ops/ unless stated.
#pragma once

#include <cstdint>
#include <string>

#include "weft/backend/functors.h"
#include "weft/core/allocator.h"
#include "weft/core/rng.h"
#include "weft/core/tensor.h"

namespace weft {

// Attention options shared by forward and backward.
struct AttentionParams {
  double scale = 1.0;   // multiplies q·k
  bool causal = true;   // mask j > i
  // Optional relative-position hook: per-head slopes s_h [H] (f32/f64, contiguous);
  // the logit of (i, j) gets −s_h·(i − j) added (ALiBi-style). Undefined = none.
  Tensor alibi_slopes;
  // Dropout on the attention probabilities (after the softmax, before P·V): entry
  // (b·H + h, i, j) is kept iff dropout_keeps(philox_uniform(dropout_state, (bh·T + i)·T + j), p)
  // and then scaled by 1/(1 − p); the backward regenerates the same mask.
  double dropout = 0.0;
  PhiloxState dropout_state;
};

// The precision of an f32 GEMM's inputs (`train.precision`); accumulation and the
// output stay f32 in every mode, and f64 GEMMs ignore it. tf32 keeps 10 explicit
// mantissa bits, bf16 keeps 7 (both round to nearest even); bf16 × bf16 products are
// exact in f32, so bf16 differs from f32 only by the rounding of the inputs.
enum class MatmulPrecision : uint8_t { f32, tf32, bf16 };

// What an index tensor must hold (Backend::check_indices): every value in [0, n), or
// equal to `ignore` when has_ignore (cross-entropy's ignore_index). `op` and `what`
// must be string literals: a device keeps the pointers until it reports.
struct IndexBounds {
  const char* op = "";
  const char* what = "";  // what is indexed: "a vocabulary", "the selected dim", ...
  int64_t n = 0;
  bool has_ignore = false;
  int64_t ignore = 0;
};

// The IndexError message for `value` at `position` breaking `b` (one wording on every device).
std::string index_error_message(const IndexBounds& b, int64_t position, int64_t value);

struct AdamWStep {
  double lr = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  double bias_correction1 = 1, bias_correction2 = 1;
  double grad_scale = 1;  // multiplies g first (global-norm clipping, loss scaling)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;
  virtual Allocator& allocator() = 0;

  // ---- memory (strided) ----
  virtual void fill(Tensor& out, double value) = 0;
  // dst[i] = convert(src[i]); same shape; any dtypes; src may be on the host when dst is not.
  virtual void copy(const Tensor& src, Tensor& dst) = 0;
  virtual void random(Tensor& out, RandomKind kind, double a, double b, PhiloxState state) = 0;

  // ---- elementwise (strided; inputs already broadcast to out's shape) ----
  virtual void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, Tensor& out) = 0;
  // gx = gy * f'(x); y = f(x) is given for ops whose derivative is cheaper from y.
  virtual void unary_backward(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& y,
                              const Tensor& gy, Tensor& gx) = 0;
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) = 0;
  // out = cond != 0 ? a : b
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) = 0;
  // out = x with elements outside the band zeroed: keeps j − i ≤ k (lower) or j − i ≥ k (upper)
  // over the last two dims.
  virtual void triangle(const Tensor& x, int64_t k, bool lower, Tensor& out) = 0;

  // ---- reductions (strided input; out has x's rank with size 1 on reduced dims) ----
  virtual void reduce(ReduceOp op, const Tensor& x, Tensor& out) = 0;
  // Inclusive prefix sum along `dim` (contiguous).
  virtual void cumsum(const Tensor& x, int dim, Tensor& out) = 0;

  // ---- linear algebra ----
  // out[b] = alpha · a[b] @ b[b] + beta · out[b] over leading batch dims.
  // a: [..., M, K], b: [..., K, N], out: [..., M, N] contiguous; a and b may be any view
  // whose last two dims have unit stride on one side (transposes read without copies).
  // `precision` rounds f32 inputs (CPU: exactly, before the f32 GEMM; CUDA: cuBLAS's
  // tensor-core compute types); f64 ignores it.
  virtual void gemm(const Tensor& a, const Tensor& b, Tensor& out, double alpha, double beta,
                    MatmulPrecision precision) = 0;

  // ---- fused (contiguous) ----
  // Along the last dim: y = softmax(x) or log_softmax(x).
  virtual void softmax(const Tensor& x, Tensor& y, bool log) = 0;
  virtual void softmax_backward(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) = 0;
  // logits [N, V], targets [N] (i64). loss[n] per row (0 for ignored rows), lse[n] saved.
  virtual void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index,
                             double label_smoothing, Tensor& loss, Tensor& lse) = 0;
  // glogits = d(sum_n gloss[n]·loss[n]) / dlogits.
  virtual void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse,
                                      const Tensor& gloss, int64_t ignore_index, double label_smoothing,
                                      Tensor& glogits) = 0;
  // Over the last dim of x [R, C]; weight/bias [C] (bias may be undefined); mean/rstd [R].
  virtual void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, Tensor& y,
                          Tensor& mean, Tensor& rstd) = 0;
  // gweight/gbias are written (not accumulated); gbias may be undefined.
  virtual void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& gy, Tensor& gx, Tensor& gweight, Tensor& gbias) = 0;
  // y = x · rstd · weight, rstd = 1/sqrt(mean(x²) + eps); weight may be undefined.
  // eps_outside_root: rstd = 1/(sqrt(mean(x²)) + eps) instead (He & Hofmann's placement).
  virtual void rms_norm(const Tensor& x, const Tensor& weight, double eps, bool eps_outside_root, Tensor& y,
                        Tensor& rstd) = 0;
  virtual void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& rstd, double eps,
                                 bool eps_outside_root, const Tensor& gy,
                                 Tensor& gx, Tensor& gweight) = 0;

  // ---- index bounds ----
  // Checks idx (i64, contiguous) against `b`. The cpu throws IndexError now. A device
  // checks where the indices live, without a host round trip: it records the first
  // violation, its index kernels leave out-of-range entries alone (gathers read 0,
  // accumulations skip them, cross-entropy rows get zero loss and gradient), and the same
  // IndexError is thrown by the next copy from the device to the host. Every host
  // read (a step's losses, the gradient norm, a checkpoint) is such a copy, so a bad
  // index surfaces within its step.
  virtual void check_indices(const Tensor& idx, const IndexBounds& b) = 0;

  // ---- indexing (contiguous) ----
  // out = x.index_select(dim, idx); idx i64 [n], bounds already checked.
  virtual void index_select(const Tensor& x, int dim, const Tensor& idx, Tensor& out) = 0;
  // out.index_add_(dim, idx, src): out is accumulated into (deterministic order).
  virtual void index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) = 0;
  // out[..i..] = x[..idx[..i..]..] along dim; idx has out's shape.
  virtual void gather(const Tensor& x, int dim, const Tensor& idx, Tensor& out) = 0;
  // out[..idx[..i..]..] += src[..i..] along dim (accumulates; deterministic).
  virtual void scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) = 0;

  // out = x · keep / (1 − p), keep_i = dropout_keeps(uniform_i(state), p). Same call with the same
  // state is its own backward (applied to the gradient).
  virtual void dropout(const Tensor& x, double p, PhiloxState state, Tensor& out) = 0;

  // ---- attention (contiguous [B, H, T, D]) ----
  // Tiled; stores only out and the row log-sum-exp lse [B, H, T].
  virtual void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p,
                                 Tensor& out, Tensor& lse) = 0;
  // Recomputes scores per tile; never stores a T×T matrix.
  virtual void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                                  const Tensor& lse, const Tensor& gout, const AttentionParams& p, Tensor& gq,
                                  Tensor& gk, Tensor& gv) = 0;
  // Shaped attention's combination (contiguous, time-major [B, T, H, D]; gains [H]):
  // out[t] = α_h·v[t] + β_h·sv[t] − γ_h·mean(v[0..t]).
  virtual void shaped_mix(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                          const Tensor& gamma, Tensor& out) = 0;
  // Writes gv, gsv and the gain gradients galpha, gbeta, ggamma [H] (not accumulated).
  virtual void shaped_mix_backward(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                                   const Tensor& gamma, const Tensor& gout, Tensor& gv, Tensor& gsv, Tensor& galpha,
                                   Tensor& gbeta, Tensor& ggamma) = 0;

  // ---- FFT along the last dim (contiguous; complex stored as trailing [.., 2]) ----
  // x [..., n] → out [..., n/2+1, 2], unnormalised.
  virtual void rfft(const Tensor& x, Tensor& out) = 0;
  // x [..., n/2+1, 2] → out [..., n], scaled by 1/n (inverse of rfft). Imaginary parts of
  // the DC and (even n) Nyquist bins are ignored.
  virtual void irfft(const Tensor& x, int64_t n, Tensor& out) = 0;
  // Sequence convolution: a [..., T], v [..., T, D] → out [..., T, D] with
  //   circular: out_i = Σ_j a_{(i−j) mod T} v_j;   causal: out_i = Σ_{k≤i} a_k v_{i−k}.
  virtual void fft_conv(const Tensor& a, const Tensor& v, bool causal, Tensor& out) = 0;
  virtual void fft_conv_backward(const Tensor& a, const Tensor& v, const Tensor& gout, bool causal, Tensor& ga,
                                 Tensor& gv) = 0;

  // ---- optimizer updates (contiguous, in place, same shape and dtype) ----
  // One fused AdamW step (Loshchilov & Hutter 2019, Alg. 2, decoupled decay):
  //   m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²;
  //   p −= lr · ( (m / bc1) / (sqrt(v / bc2) + eps) + wd · p )
  // with bias corrections bc1 = 1 − β1^t, bc2 = 1 − β2^t computed by the caller.
  virtual void adamw_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWStep& s) = 0;
  // acc += Σ x² over the tensor, summed in f64 in a fixed order; acc is an f64 scalar
  // on x's device, so a global norm over many tensors is read by the host once.
  virtual void sum_of_squares(const Tensor& x, Tensor& acc) = 0;
};

}  // namespace weft
