// CUDA flash attention against the CPU's tiled kernel on the same inputs: forward
// out/lse and backward gq/gk/gv; causal and not, ALiBi slopes, dropout (the masks
// come from the same Philox counters, so the results agree to rounding), packed
// qkv views read in place; T = 1, 7, 130 (not multiples of the tiles), 1024 and
// 4096, head_dim 64 and an odd 40 / a wide 256. Tolerances relative to max |ref|:
// f32 2e-4 (different summation orders over up to 4096 keys), f64 1e-11.
#include <doctest/doctest.h>

#include "cuda_util.h"

using namespace weft;
using namespace weft::cuda_test;

namespace {

struct Case {
  int64_t B, H, T, D;
  bool causal;
  bool alibi;
  double drop;
  DType dt;
};

void run_case(const Case& c, bool packed) {
  CAPTURE(c.T);
  CAPTURE(c.D);
  CAPTURE(c.causal);
  CAPTURE(c.alibi);
  CAPTURE(c.drop);
  CAPTURE(packed);
  const double tol = c.dt == DType::f32 ? 2e-4 : 1e-11;
  const Shape sh{c.B, c.H, c.T, c.D};
  Tensor q, k, v, qkv;
  if (packed) {  // [B, T, 3, H, D] viewed as three [B, H, T, D] heads
    qkv = randn({c.B, c.T, 3, c.H, c.D}, 1, c.dt);
    const Strides st{c.T * 3 * c.H * c.D, c.D, 3 * c.H * c.D, 1};
    q = Tensor::make_view(qkv, sh, st, 0);
    k = Tensor::make_view(qkv, sh, st, c.H * c.D);
    v = Tensor::make_view(qkv, sh, st, 2 * c.H * c.D);
  } else {
    q = randn(sh, 2, c.dt);
    k = randn(sh, 3, c.dt);
    v = randn(sh, 4, c.dt);
  }
  Tensor gq_, gk_, gv_;
  if (packed) {
    Tensor g = on_gpu(qkv);
    gq_ = gpu_view(g, q);
    gk_ = gpu_view(g, k);
    gv_ = gpu_view(g, v);
  } else {
    gq_ = on_gpu(q);
    gk_ = on_gpu(k);
    gv_ = on_gpu(v);
  }
  AttentionParams pc;
  pc.scale = 1.0 / std::sqrt(static_cast<double>(c.D));
  pc.causal = c.causal;
  pc.dropout = c.drop;
  pc.dropout_state = {4242, 17};
  if (c.alibi) pc.alibi_slopes = uniform({c.H}, 0.01, 0.5, 5, c.dt);
  AttentionParams pg = pc;
  if (c.alibi) pg.alibi_slopes = on_gpu(pc.alibi_slopes);

  Tensor oc = Tensor::empty(sh, c.dt), lc = Tensor::empty({c.B, c.H, c.T}, c.dt);
  Tensor og = Tensor::empty(sh, c.dt, dev()), lg = Tensor::empty({c.B, c.H, c.T}, c.dt, dev());
  cpu().attention_forward(q, k, v, pc, oc, lc);
  gpu().attention_forward(gq_, gk_, gv_, pg, og, lg);
  check_close(og, oc, tol, "attention out");
  check_close(lg, lc, tol, "attention lse");

  Tensor go = randn(sh, 6, c.dt);
  Tensor dqc = Tensor::empty(sh, c.dt), dkc = Tensor::empty(sh, c.dt), dvc = Tensor::empty(sh, c.dt);
  Tensor dqg = Tensor::empty(sh, c.dt, dev()), dkg = Tensor::empty(sh, c.dt, dev()),
         dvg = Tensor::empty(sh, c.dt, dev());
  cpu().attention_backward(q, k, v, oc, lc, go, pc, dqc, dkc, dvc);
  gpu().attention_backward(gq_, gk_, gv_, og, lg, on_gpu(go), pg, dqg, dkg, dvg);
  check_close(dqg, dqc, tol * 5, "attention gq");
  check_close(dkg, dkc, tol * 5, "attention gk");
  check_close(dvg, dvc, tol * 5, "attention gv");

  // Deterministic: the same call again gives the same bits.
  Tensor og2 = Tensor::empty(sh, c.dt, dev()), lg2 = Tensor::empty({c.B, c.H, c.T}, c.dt, dev());
  gpu().attention_forward(gq_, gk_, gv_, pg, og2, lg2);
  CHECK(bitwise_equal(og2, og.to(Device::cpu())));
}

}  // namespace

TEST_SUITE("cuda_attention") {
  TEST_CASE("small and odd sequence lengths, every option, f32 and f64") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t T : {1, 7, 130})
        for (bool causal : {true, false})
          for (bool alibi : {false, true})
            for (double drop : {0.0, 0.2}) run_case({2, 3, T, 40, causal, alibi, drop, dt}, false);
  }

  TEST_CASE("packed qkv views and head_dim 64 / 256") {
    run_case({2, 4, 130, 64, true, false, 0.0, DType::f32}, true);
    run_case({1, 2, 70, 256, true, true, 0.1, DType::f32}, true);
    run_case({1, 2, 33, 256, false, false, 0.0, DType::f64}, false);
  }

  TEST_CASE("long sequences: T = 1024 and 4096") {
    run_case({1, 2, 1024, 64, true, false, 0.0, DType::f32}, false);
    run_case({1, 1, 4096, 64, true, true, 0.1, DType::f32}, false);
    run_case({1, 1, 4096, 64, false, false, 0.0, DType::f32}, true);
  }

  TEST_CASE("head_dim above the kernel's limit is a clear error") {
    Tensor q = Tensor::zeros({1, 1, 4, 264}, DType::f32, dev());
    Tensor o = Tensor::empty({1, 1, 4, 264}, DType::f32, dev()), l = Tensor::empty({1, 1, 4}, DType::f32, dev());
    AttentionParams p;
    CHECK_THROWS_AS(gpu().attention_forward(q, q, q, p, o, l), ShapeError);
  }
}
