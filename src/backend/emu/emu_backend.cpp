// The emulated device (backend/emu.h): every kernel is the CPU's, run on host
// aliases of the emu tensors (same storage, shape, strides and offset, device cpu),
// so results are bit-identical to the CPU's while the tensors themselves stay
// behind the device boundary. copy() is the only place data crosses it, and counts.
// Index bounds are checked as a GPU checks them: the first violation is held and
// thrown by the next copy to the host. An index kernel whose own indices are out of
// range does not run (its output is zeros), so a bad index never reads or writes
// outside a tensor, even in a backward run after the error was reported.
#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "../backends.h"
#include "weft/backend/emu.h"

namespace weft {

namespace {

std::atomic<uint64_t> g_to_device{0}, g_to_host{0}, g_bytes_to_device{0}, g_bytes_to_host{0};

// The same tensor seen as a cpu tensor (no copy). Undefined stays undefined.
Tensor h(const Tensor& t) {
  if (!t.defined()) return t;
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage();
  impl->shape = t.shape();
  impl->strides = t.strides();
  impl->offset = t.offset();
  impl->dtype = t.dtype();
  impl->device = Device::cpu();
  return Tensor(std::move(impl));
}

AttentionParams h(const AttentionParams& p) {
  AttentionParams q = p;
  q.alibi_slopes = h(p.alibi_slopes);
  return q;
}

// Every index in [0, n) (or == ignore when has_ignore): the CPU kernels' precondition,
// by the CPU's own check (which throws only on the rare bad index).
bool in_bounds(const Tensor& idx, int64_t n, bool has_ignore = false, int64_t ignore = 0) {
  try {
    cpu_backend().check_indices(h(idx), IndexBounds{"", "", n, has_ignore, ignore});
    return true;
  } catch (const IndexError&) {
    return false;
  }
}

void require_here(const Tensor& t, const char* kernel) {
  WEFT_CHECK(!t.defined() || t.device().is_emu(), DeviceError, kernel, ": a ", t.describe(),
             " tensor reached the emu backend (ops keep every operand on one device)");
}

class EmuBackend final : public Backend {
 public:
  Device device() const override { return Device::emu(); }
  Allocator& allocator() override { return alloc_; }

  void fill(Tensor& out, double value) override {
    Tensor o = h(out);
    cpu_.fill(o, value);
  }
  void copy(const Tensor& src, Tensor& dst) override {
    const bool in = src.device().is_cpu() && dst.device().is_emu(), out = src.device().is_emu() && dst.device().is_cpu();
    WEFT_CHECK(in || out || (src.device().is_emu() && dst.device().is_emu()), DeviceError, "copy: ", src.describe(),
               " -> ", dst.describe(), ": the emu device exchanges data with cpu only");
    if (out) raise_pending();
    if (in) ++g_to_device, g_bytes_to_device += src.nbytes();
    if (out) ++g_to_host, g_bytes_to_host += src.nbytes();
    Tensor d = h(dst);
    cpu_.copy(h(src), d);
  }
  void random(Tensor& out, RandomKind kind, double a, double b, PhiloxState state) override {
    Tensor o = h(out);
    cpu_.random(o, kind, a, b, state);
  }

  void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, Tensor& out) override {
    require_here(x, "unary");
    Tensor o = h(out);
    cpu_.unary(op, p, h(x), o);
  }
  void unary_backward(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& y, const Tensor& gy,
                      Tensor& gx) override {
    Tensor o = h(gx);
    cpu_.unary_backward(op, p, h(x), h(y), h(gy), o);
  }
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) override {
    require_here(a, "binary");
    require_here(b, "binary");
    Tensor o = h(out);
    cpu_.binary(op, h(a), h(b), o);
  }
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override {
    Tensor o = h(out);
    cpu_.where(h(cond), h(a), h(b), o);
  }
  void triangle(const Tensor& x, int64_t k, bool lower, Tensor& out) override {
    Tensor o = h(out);
    cpu_.triangle(h(x), k, lower, o);
  }

  void reduce(ReduceOp op, const Tensor& x, Tensor& out) override {
    Tensor o = h(out);
    cpu_.reduce(op, h(x), o);
  }
  void cumsum(const Tensor& x, int dim, Tensor& out) override {
    Tensor o = h(out);
    cpu_.cumsum(h(x), dim, o);
  }

  void gemm(const Tensor& a, const Tensor& b, Tensor& out, double alpha, double beta,
            MatmulPrecision precision) override {
    require_here(a, "gemm");
    require_here(b, "gemm");
    Tensor o = h(out);
    cpu_.gemm(h(a), h(b), o, alpha, beta, precision);
  }

  void softmax(const Tensor& x, Tensor& y, bool log) override {
    Tensor o = h(y);
    cpu_.softmax(h(x), o, log);
  }
  void softmax_backward(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) override {
    Tensor o = h(gx);
    cpu_.softmax_backward(h(y), h(gy), o, log);
  }
  void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double label_smoothing,
                     Tensor& loss, Tensor& lse) override {
    require_here(targets, "cross_entropy");
    Tensor l = h(loss), s = h(lse);
    if (!in_bounds(targets, logits.shape().back(), true, ignore_index)) {
      cpu_.fill(l, 0.0);
      return cpu_.fill(s, 0.0);
    }
    cpu_.cross_entropy(h(logits), h(targets), ignore_index, label_smoothing, l, s);
  }
  void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& gloss,
                              int64_t ignore_index, double label_smoothing, Tensor& glogits) override {
    Tensor o = h(glogits);
    if (!in_bounds(targets, logits.shape().back(), true, ignore_index)) return cpu_.fill(o, 0.0);
    cpu_.cross_entropy_backward(h(logits), h(targets), h(lse), h(gloss), ignore_index, label_smoothing, o);
  }
  void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, Tensor& y, Tensor& mean,
                  Tensor& rstd) override {
    Tensor o = h(y), m = h(mean), r = h(rstd);
    cpu_.layer_norm(h(x), h(weight), h(bias), eps, o, m, r);
  }
  void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                           const Tensor& gy, Tensor& gx, Tensor& gweight, Tensor& gbias) override {
    Tensor a = h(gx), w = h(gweight), b = h(gbias);
    cpu_.layer_norm_backward(h(x), h(weight), h(mean), h(rstd), h(gy), a, w, b);
  }
  void rms_norm(const Tensor& x, const Tensor& weight, double eps, bool eps_outside_root, Tensor& y,
                Tensor& rstd) override {
    Tensor o = h(y), r = h(rstd);
    cpu_.rms_norm(h(x), h(weight), eps, eps_outside_root, o, r);
  }
  void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& rstd, double eps, bool eps_outside_root,
                         const Tensor& gy, Tensor& gx, Tensor& gweight) override {
    Tensor a = h(gx), w = h(gweight);
    cpu_.rms_norm_backward(h(x), h(weight), h(rstd), eps, eps_outside_root, h(gy), a, w);
  }

  void check_indices(const Tensor& idx, const IndexBounds& b) override {
    require_here(idx, "check_indices");
    try {
      cpu_.check_indices(h(idx), b);
    } catch (const IndexError& e) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!pending_) pending_ = e.what();
    }
  }
  void index_select(const Tensor& x, int dim, const Tensor& idx, Tensor& out) override {
    require_here(idx, "index_select");
    Tensor o = h(out);
    if (!in_bounds(idx, x.shape()[size_t(dim)])) return cpu_.fill(o, 0.0);
    cpu_.index_select(h(x), dim, h(idx), o);
  }
  void index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override {
    Tensor o = h(out);
    if (!in_bounds(idx, out.shape()[size_t(dim)])) return;
    cpu_.index_add(o, dim, h(idx), h(src));
  }
  void gather(const Tensor& x, int dim, const Tensor& idx, Tensor& out) override {
    Tensor o = h(out);
    if (!in_bounds(idx, x.shape()[size_t(dim)])) return cpu_.fill(o, 0.0);
    cpu_.gather(h(x), dim, h(idx), o);
  }
  void scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override {
    Tensor o = h(out);
    if (!in_bounds(idx, out.shape()[size_t(dim)])) return;
    cpu_.scatter_add(o, dim, h(idx), h(src));
  }

  void dropout(const Tensor& x, double p, PhiloxState state, Tensor& out) override {
    Tensor o = h(out);
    cpu_.dropout(h(x), p, state, o);
  }

  void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p, Tensor& out,
                         Tensor& lse) override {
    Tensor o = h(out), l = h(lse);
    cpu_.attention_forward(h(q), h(k), h(v), h(p), o, l);
  }
  void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                          const Tensor& gout, const AttentionParams& p, Tensor& gq, Tensor& gk,
                          Tensor& gv) override {
    Tensor a = h(gq), b = h(gk), c = h(gv);
    cpu_.attention_backward(h(q), h(k), h(v), h(out), h(lse), h(gout), h(p), a, b, c);
  }
  void shaped_mix(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta, const Tensor& gamma,
                  Tensor& out) override {
    Tensor o = h(out);
    cpu_.shaped_mix(h(v), h(sv), h(alpha), h(beta), h(gamma), o);
  }
  void shaped_mix_backward(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                           const Tensor& gamma, const Tensor& gout, Tensor& gv, Tensor& gsv, Tensor& galpha,
                           Tensor& gbeta, Tensor& ggamma) override {
    Tensor a = h(gv), b = h(gsv), c = h(galpha), d = h(gbeta), e = h(ggamma);
    cpu_.shaped_mix_backward(h(v), h(sv), h(alpha), h(beta), h(gamma), h(gout), a, b, c, d, e);
  }

  void rfft(const Tensor& x, Tensor& out) override {
    Tensor o = h(out);
    cpu_.rfft(h(x), o);
  }
  void irfft(const Tensor& x, int64_t n, Tensor& out) override {
    Tensor o = h(out);
    cpu_.irfft(h(x), n, o);
  }
  void fft_conv(const Tensor& a, const Tensor& v, bool causal, Tensor& out) override {
    Tensor o = h(out);
    cpu_.fft_conv(h(a), h(v), causal, o);
  }
  void fft_conv_backward(const Tensor& a, const Tensor& v, const Tensor& gout, bool causal, Tensor& ga,
                         Tensor& gv) override {
    Tensor x = h(ga), y = h(gv);
    cpu_.fft_conv_backward(h(a), h(v), h(gout), causal, x, y);
  }

  void adamw_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWStep& s) override {
    require_here(grad, "adamw_update");
    Tensor p = h(param), a = h(m), b = h(v);
    cpu_.adamw_update(p, h(grad), a, b, s);
  }
  void sum_of_squares(const Tensor& x, Tensor& acc) override {
    require_here(acc, "sum_of_squares");
    Tensor a = h(acc);
    cpu_.sum_of_squares(h(x), a);
  }

 private:
  void raise_pending() {
    std::optional<std::string> msg;
    {
      std::lock_guard<std::mutex> lock(mu_);
      msg.swap(pending_);
    }
    if (msg) throw IndexError(*msg);
  }

  Backend& cpu_ = cpu_backend();
  CachingHostAllocator alloc_;
  std::mutex mu_;
  std::optional<std::string> pending_;  // the first index violation since the last read to the host
};

}  // namespace

Backend& emu_backend() {
  static EmuBackend* be = new EmuBackend;  // never destroyed: tensors may be freed by static destructors
  return *be;
}

EmuTransfers emu_transfers() {
  return {g_to_device.load(), g_to_host.load(), g_bytes_to_device.load(), g_bytes_to_host.load()};
}

void reset_emu_transfers() {
  g_to_device = 0;
  g_to_host = 0;
  g_bytes_to_device = 0;
  g_bytes_to_host = 0;
}

}  // namespace weft
