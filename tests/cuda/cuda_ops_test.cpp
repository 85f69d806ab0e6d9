// The op layer on CUDA tensors: a pre-LN transformer block with a tied-head loss,
// written with ops/ exactly as the models do, run forward and backward once on the
// CPU and once with every leaf on cuda:0; loss and every gradient must agree
// (f32, 1e-4 relative). This exercises the ops' shape/device handling above the
// kernels (broadcasts, views, reductions, host-side bounds checks) on the device.
#include <doctest/doctest.h>

#include "cuda_util.h"
#include "weft/ops/ops.h"

using namespace weft;
using namespace weft::cuda_test;

namespace {

struct Leaves {
  Tensor emb, pos, ln_w, ln_b, w_qkv, b_qkv, w_o, w_fc, w_proj;
  std::vector<Tensor*> all() { return {&emb, &pos, &ln_w, &ln_b, &w_qkv, &b_qkv, &w_o, &w_fc, &w_proj}; }
};

Leaves make_leaves(Device d, int64_t V, int64_t T, int64_t C) {
  Leaves l;
  uint64_t seed = 100;
  auto leaf = [&](const Shape& s, double scale) {
    return mul(randn(s, seed++), scale).to(d).detach().set_requires_grad(true);
  };
  l.emb = leaf({V, C}, 0.5);
  l.pos = leaf({T, C}, 0.1);
  l.ln_w = leaf({C}, 0.1);
  l.ln_b = leaf({C}, 0.1);
  l.w_qkv = leaf({C, 3 * C}, 0.2);
  l.b_qkv = leaf({3 * C}, 0.1);
  l.w_o = leaf({C, C}, 0.2);
  l.w_fc = leaf({C, 4 * C}, 0.2);
  l.w_proj = leaf({4 * C, C}, 0.1);
  return l;
}

Tensor block_loss(Leaves& l, const Tensor& ids, const Tensor& targets, int64_t H) {
  Tensor x = add(embedding(l.emb, ids), l.pos);  // [B, T, C] + [T, C]
  Tensor h = layer_norm(x, l.ln_w, l.ln_b);
  Tensor a = qkv_attention(add(matmul(h, l.w_qkv), l.b_qkv), H);
  x = add(x, matmul(a, l.w_o));
  x = add(x, matmul(gelu(matmul(layer_norm(x, Tensor(), Tensor()), l.w_fc)), l.w_proj));
  Tensor logits = matmul(x, transpose(l.emb, 0, 1));
  return add(softmax_cross_entropy(flatten(logits, 0, 1), flatten(targets)), mul(mean(mul(x, x)), 0.01));
}

}  // namespace

TEST_SUITE("cuda_ops") {
  TEST_CASE("a transformer block's loss and gradients agree between cpu and cuda") {
    const int64_t B = 2, T = 7, C = 16, H = 2, V = 11;
    std::vector<int64_t> iv, tv;
    for (int64_t i = 0; i < B * T; ++i) {
      iv.push_back((i * 5 + 1) % V);
      tv.push_back(i == 3 ? -100 : (i * 3 + 2) % V);
    }
    Tensor ids = Tensor::from_vector(iv, {B, T}), tg = Tensor::from_vector(tv, {B, T});
    Leaves lc = make_leaves(Device::cpu(), V, T, C), lg = make_leaves(dev(), V, T, C);
    Tensor loss_c = block_loss(lc, ids, tg, H), loss_g = block_loss(lg, ids.to(dev()), tg.to(dev()), H);
    CHECK(loss_g.device().is_cuda());
    check_close(loss_g, loss_c, 1e-5, "loss");
    loss_c.backward();
    loss_g.backward();
    auto pc = lc.all(), pg = lg.all();
    for (size_t i = 0; i < pc.size(); ++i) {
      CAPTURE(i);
      REQUIRE(pg[i]->grad().defined());
      CHECK(pg[i]->grad().device().is_cuda());
      check_close(pg[i]->grad(), pc[i]->grad(), 1e-4, "gradient");
    }
  }
}
