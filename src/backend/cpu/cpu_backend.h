// defines: CpuBackend (oneDNN + OpenBLAS + OpenMP + FFTW3), dispatch_floating, dispatch_all.
//
// Kernels are grouped by family in src/backend/cpu/kernels/*.cpp. Parallel loops
// use OpenMP static schedules and fixed reduction orders, so the same thread
// count gives bit-identical results. oneDNN and OpenBLAS use the same OpenMP pool.
#pragma once

#include "weft/backend/backend.h"

namespace weft::cpu {

struct f32_tag {};

// Calls f(T{}) with T the C++ type of a floating dtype; DTypeError names `op` otherwise.
template <typename F>
decltype(auto) dispatch_floating(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    default: break;
  }
  throw DTypeError(detail::concat(op, ": dtype ", dtype_name(t), " is not supported on cpu (expected f32 or f64)"));
}

template <typename F>
decltype(auto) dispatch_all(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    default: break;
  }
  throw DTypeError(detail::concat(op, ": dtype ", dtype_name(t), " is not supported on cpu"));
}

class CpuBackend final : public Backend {
 public:
  CpuBackend();  // reads the f32 GEMM route (sgemm_route.h)
  Device device() const override { return Device::cpu(); }
  Allocator& allocator() override;

  void fill(Tensor& out, double value) override;
  void copy(const Tensor& src, Tensor& dst) override;
  void random(Tensor& out, RandomKind kind, double a, double b, PhiloxState state) override;

  void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, Tensor& out) override;
  void unary_backward(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& y, const Tensor& gy,
                      Tensor& gx) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override;
  void triangle(const Tensor& x, int64_t k, bool lower, Tensor& out) override;

  void reduce(ReduceOp op, const Tensor& x, Tensor& out) override;
  void cumsum(const Tensor& x, int dim, Tensor& out) override;

  void gemm(const Tensor& a, const Tensor& b, Tensor& out, double alpha, double beta,
            MatmulPrecision precision) override;

  void softmax(const Tensor& x, Tensor& y, bool log) override;
  void softmax_backward(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) override;
  void cross_entropy(const Tensor& logits, const Tensor& targets, int64_t ignore_index, double label_smoothing,
                     Tensor& loss, Tensor& lse) override;
  void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& lse, const Tensor& gloss,
                              int64_t ignore_index, double label_smoothing, Tensor& glogits) override;
  void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, Tensor& y, Tensor& mean,
                  Tensor& rstd) override;
  void layer_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                           const Tensor& gy, Tensor& gx, Tensor& gweight, Tensor& gbias) override;
  void rms_norm(const Tensor& x, const Tensor& weight, double eps, bool eps_outside_root, Tensor& y,
                Tensor& rstd) override;
  void rms_norm_backward(const Tensor& x, const Tensor& weight, const Tensor& rstd, double eps, bool eps_outside_root,
                         const Tensor& gy, Tensor& gx, Tensor& gweight) override;

  void check_indices(const Tensor& idx, const IndexBounds& b) override;
  void index_select(const Tensor& x, int dim, const Tensor& idx, Tensor& out) override;
  void index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override;
  void gather(const Tensor& x, int dim, const Tensor& idx, Tensor& out) override;
  void scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override;

  void dropout(const Tensor& x, double p, PhiloxState state, Tensor& out) override;

  void attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionParams& p, Tensor& out,
                         Tensor& lse) override;
  void attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                          const Tensor& gout, const AttentionParams& p, Tensor& gq, Tensor& gk,
                          Tensor& gv) override;
  void shaped_mix(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta, const Tensor& gamma,
                  Tensor& out) override;
  void shaped_mix_backward(const Tensor& v, const Tensor& sv, const Tensor& alpha, const Tensor& beta,
                           const Tensor& gamma, const Tensor& gout, Tensor& gv, Tensor& gsv, Tensor& galpha,
                           Tensor& gbeta, Tensor& ggamma) override;

  void rfft(const Tensor& x, Tensor& out) override;
  void irfft(const Tensor& x, int64_t n, Tensor& out) override;
  void fft_conv(const Tensor& a, const Tensor& v, bool causal, Tensor& out) override;
  void fft_conv_backward(const Tensor& a, const Tensor& v, const Tensor& gout, bool causal, Tensor& ga,
                         Tensor& gv) override;

  void adamw_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamWStep& s) override;
  void sum_of_squares(const Tensor& x, Tensor& acc) override;
};

// Contiguity precondition of the fused kernels (a bug in ops/ if it fires).
void require_contiguous(const Tensor& t, const char* kernel, const char* arg);

}  // namespace weft::cpu
