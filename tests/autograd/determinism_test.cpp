// Same seed + same thread count ⇒ bit-identical forward and backward on CPU,
// on a small model-like graph (embedding, attention, MLP, norms, dropout, loss).
#include <doctest/doctest.h>
#include <omp.h>

#include "../support/test_util.h"
#include "weft/ops/ops.h"

using namespace weft;

namespace {

struct Run {
  Tensor loss;
  std::vector<Tensor> grads;
};

Run run_once() {
  Generator g(1234);
  const int64_t B = 2, T = 64, C = 64, H = 4, V = 50;
  Tensor emb = Tensor::normal({V, C}, 0, 0.02, DType::f32, &g).set_requires_grad(true);
  Tensor wqkv = Tensor::normal({C, 3 * C}, 0, 0.02, DType::f32, &g).set_requires_grad(true);
  Tensor w1 = Tensor::normal({C, 4 * C}, 0, 0.02, DType::f32, &g).set_requires_grad(true);
  Tensor w2 = Tensor::normal({4 * C, C}, 0, 0.02, DType::f32, &g).set_requires_grad(true);
  Tensor ln = Tensor::ones({C}, DType::f32).set_requires_grad(true);
  std::vector<int64_t> ids(B * T), tg(B * T);
  for (int64_t i = 0; i < B * T; ++i) {
    ids[i] = (i * 7 + 3) % V;
    tg[i] = (i * 11 + 5) % V;
  }
  Tensor x = embedding(emb, Tensor::from_vector(ids, {B, T}));
  Tensor h = layer_norm(x, ln, Tensor());
  Tensor qkv = reshape(matmul(h, wqkv), {B, T, 3, H, C / H});
  auto part = [&](int i) { return contiguous(permute(reshape(narrow(qkv, 2, i, 1), {B, T, H, C / H}), {0, 2, 1, 3})); };
  Tensor a = causal_attention(part(0), part(1), part(2));
  x = add(x, reshape(permute(a, {0, 2, 1, 3}), {B, T, C}));
  Tensor m = matmul(dropout(gelu(matmul(rms_norm(x, ln), w1)), 0.1, true, &g), w2);
  x = add(x, m);
  Tensor logits = matmul(x, transpose(emb, 0, 1));
  Tensor loss = softmax_cross_entropy(logits, Tensor::from_vector(tg, {B, T}));
  loss.backward();
  return {loss, {emb.grad(), wqkv.grad(), w1.grad(), w2.grad(), ln.grad()}};
}

}  // namespace

TEST_SUITE("determinism") {
  TEST_CASE("two runs with the same seed and thread count are bit-identical") {
    Run a = run_once(), b = run_once();
    CHECK(test::bitwise_equal(a.loss, b.loss));
    for (size_t i = 0; i < a.grads.size(); ++i) {
      INFO("gradient " << i);
      REQUIRE(a.grads[i].defined());
      CHECK(test::bitwise_equal(a.grads[i], b.grads[i]));
    }
    CHECK(a.loss.item() > 0);
  }
}
