// f64 finite-difference gradient checks, one or more per op in op_list.def.
#include <doctest/doctest.h>

#include "../support/op_cases.h"
#include "../support/test_util.h"
#include "weft/ops/ops.h"

using namespace weft;
using test::randn;
using test::uniform;
using Inputs = std::vector<Tensor>;

namespace {

GradcheckResult gc(std::function<Tensor(const Inputs&)> f, Inputs in, GradcheckOptions o = {}) {
  return gradcheck(f, std::move(in), o);
}

// Values bounded away from 0 (for abs, relu) with random signs.
Tensor away_from_zero(const Shape& s, uint64_t seed) {
  Tensor u = uniform(s, 0.2, 1.5, seed);
  Tensor sign = uniform(s, -1, 1, seed + 1);
  auto uv = u.to_vector<double>(), sv = sign.to_vector<double>();
  for (size_t i = 0; i < uv.size(); ++i) uv[i] *= sv[i] < 0 ? -1 : 1;
  return Tensor::from_vector(uv, s);
}

}  // namespace

namespace weft::test {

const std::vector<GradCase>& gradcheck_cases() {
  static const std::vector<GradCase> cases = {
      // ---- elementwise ----
      {"add", "broadcast [2,3]+[3]", [] { return gc([](const Inputs& x) { return add(x[0], x[1]); }, {randn({2, 3}, 1), randn({3}, 2)}); }},
      {"sub", "broadcast [2,1,3]-[4,1]", [] { return gc([](const Inputs& x) { return sub(x[0], x[1]); }, {randn({2, 1, 3}, 3), randn({4, 1}, 4)}); }},
      {"mul", "broadcast [2,3]*[2,1]", [] { return gc([](const Inputs& x) { return mul(x[0], x[1]); }, {randn({2, 3}, 5), randn({2, 1}, 6)}); }},
      {"mul", "same input twice", [] { return gc([](const Inputs& x) { return mul(x[0], x[0]); }, {randn({3, 2}, 7)}); }},
      {"div", "broadcast", [] { return gc([](const Inputs& x) { return div(x[0], x[1]); }, {randn({2, 3}, 8), uniform({3}, 0.5, 2.0, 9)}); }},
      {"neg", "", [] { return gc([](const Inputs& x) { return neg(x[0]); }, {randn({4}, 10)}); }},
      {"exp", "", [] { return gc([](const Inputs& x) { return exp(x[0]); }, {randn({2, 3}, 11)}); }},
      {"log", "positive inputs", [] { return gc([](const Inputs& x) { return log(x[0]); }, {uniform({2, 3}, 0.5, 3, 12)}); }},
      {"sqrt", "positive inputs", [] { return gc([](const Inputs& x) { return sqrt(x[0]); }, {uniform({5}, 0.5, 3, 13)}); }},
      {"rsqrt", "positive inputs", [] { return gc([](const Inputs& x) { return rsqrt(x[0]); }, {uniform({5}, 0.5, 3, 14)}); }},
      {"pow", "x^2.5", [] { return gc([](const Inputs& x) { return pow(x[0], 2.5); }, {uniform({5}, 0.5, 2, 15)}); }},
      {"abs", "away from 0", [] { return gc([](const Inputs& x) { return abs(x[0]); }, {away_from_zero({6}, 16)}); }},
      {"tanh", "", [] { return gc([](const Inputs& x) { return tanh(x[0]); }, {randn({6}, 17)}); }},
      {"sigmoid", "", [] { return gc([](const Inputs& x) { return sigmoid(x[0]); }, {randn({6}, 18)}); }},
      {"relu", "away from 0", [] { return gc([](const Inputs& x) { return relu(x[0]); }, {away_from_zero({6}, 19)}); }},
      {"gelu", "tanh form", [] { return gc([](const Inputs& x) { return gelu(x[0], GeluApprox::tanh); }, {randn({8}, 20)}); }},
      {"gelu", "erf form", [] { return gc([](const Inputs& x) { return gelu(x[0], GeluApprox::erf); }, {randn({8}, 21)}); }},
      {"silu", "", [] { return gc([](const Inputs& x) { return silu(x[0]); }, {randn({8}, 22)}); }},
      {"clamp", "inside and outside [-0.5, 0.5]", [] {
         Tensor x = Tensor::from_vector<double>({-1.2, -0.3, 0.1, 0.45, 0.9, 2.0}, {6});
         return gc([](const Inputs& v) { return clamp(v[0], -0.5, 0.5); }, {x});
       }},
      {"where", "broadcast cond", [] {
         Tensor cond = Tensor::from_vector<double>({1, 0, 1}, {3});
         return gc([cond](const Inputs& x) { return where(cond, x[0], x[1]); }, {randn({2, 3}, 23), randn({2, 1}, 24)});
       }},
      {"masked_fill", "", [] {
         Tensor mask = Tensor::from_vector<double>({0, 1, 0, 0, 1, 1}, {2, 3});
         return gc([mask](const Inputs& x) { return masked_fill(x[0], mask, -7.0); }, {randn({2, 3}, 25)});
       }},
      // ---- reductions ----
      {"sum", "dims {0,2}", [] { return gc([](const Inputs& x) { return sum(x[0], {0, 2}); }, {randn({2, 3, 4}, 26)}); }},
      {"sum", "all, strided input", [] { return gc([](const Inputs& x) { return sum(transpose(x[0], 0, 1)); }, {randn({3, 4}, 27)}); }},
      {"mean", "dim 1 keepdim", [] { return gc([](const Inputs& x) { return mean(x[0], {1}, true); }, {randn({2, 3, 4}, 28)}); }},
      {"max", "dim -1", [] { return gc([](const Inputs& x) { return max(x[0], {-1}); }, {randn({3, 5}, 29)}); }},
      {"logsumexp", "dim 1", [] { return gc([](const Inputs& x) { return logsumexp(x[0], {1}); }, {randn({3, 5}, 30)}); }},
      {"var", "dim 0, unbiased", [] { return gc([](const Inputs& x) { return var(x[0], {0}); }, {randn({4, 3}, 31)}); }},
      {"cumsum", "dim 1", [] { return gc([](const Inputs& x) { return cumsum(x[0], 1); }, {randn({2, 5, 3}, 32)}); }},
      // ---- matmul ----
      {"matmul", "2-D", [] { return gc([](const Inputs& x) { return matmul(x[0], x[1]); }, {randn({3, 4}, 33), randn({4, 5}, 34)}); }},
      {"matmul", "batched broadcast [2,1,3,4]@[3,4,2]", [] { return gc([](const Inputs& x) { return matmul(x[0], x[1]); }, {randn({2, 1, 3, 4}, 35), randn({3, 4, 2}, 36)}); }},
      {"matmul", "[B,T,C]@[C,N]", [] { return gc([](const Inputs& x) { return matmul(x[0], x[1]); }, {randn({2, 3, 4}, 37), randn({4, 5}, 38)}); }},
      {"linear", "[B,T,C]@[C,N]+[N]", [] { return gc([](const Inputs& x) { return linear(x[0], x[1], x[2]); }, {randn({2, 3, 4}, 41), randn({4, 5}, 42), randn({5}, 43)}); }},
      {"linear", "transposed x and w views", [] { return gc([](const Inputs& x) { return linear(transpose(x[0], 0, 1), transpose(x[1], 0, 1), x[2]); }, {randn({4, 3}, 44), randn({5, 4}, 45), randn({5}, 46)}); }},
      {"matmul", "transposed views", [] { return gc([](const Inputs& x) { return matmul(transpose(x[0], 0, 1), transpose(x[1], 0, 1)); }, {randn({4, 3}, 39), randn({5, 4}, 40)}); }},
      // ---- softmax family ----
      {"softmax", "last dim", [] { return gc([](const Inputs& x) { return softmax(x[0]); }, {randn({3, 5}, 41)}); }},
      {"softmax", "dim 0", [] { return gc([](const Inputs& x) { return softmax(x[0], 0); }, {randn({3, 5}, 42)}); }},
      {"log_softmax", "", [] { return gc([](const Inputs& x) { return log_softmax(x[0]); }, {randn({3, 5}, 43)}); }},
      {"softmax_cross_entropy", "mean, ignore_index, smoothing", [] {
         Tensor t = test::indices({1, -100, 4, 0, 2, 3}, {2, 3});
         CrossEntropyOptions o;
         o.label_smoothing = 0.1;
         return gc([t, o](const Inputs& x) { return softmax_cross_entropy(x[0], t, o); }, {randn({2, 3, 5}, 44)});
       }},
      {"softmax_cross_entropy", "reduction none", [] {
         Tensor t = test::indices({1, 0, 4}, {3});
         CrossEntropyOptions o;
         o.reduction = Reduction::none;
         return gc([t, o](const Inputs& x) { return softmax_cross_entropy(x[0], t, o); }, {randn({3, 5}, 45)});
       }},
      // ---- norms ----
      {"layer_norm", "weight and bias", [] { return gc([](const Inputs& x) { return layer_norm(x[0], x[1], x[2]); }, {randn({2, 3, 6}, 46), randn({6}, 47), randn({6}, 48)}); }},
      {"layer_norm", "no affine", [] { return gc([](const Inputs& x) { return layer_norm(x[0], Tensor(), Tensor()); }, {randn({4, 5}, 49)}); }},
      {"rms_norm", "weight", [] { return gc([](const Inputs& x) { return rms_norm(x[0], x[1]); }, {randn({3, 6}, 50), randn({6}, 51)}); }},
      {"rms_norm", "eps outside the root", [] { return gc([](const Inputs& x) { return rms_norm(x[0], x[1], 0.3, true); }, {randn({3, 6}, 52), randn({6}, 53)}); }},
      // ---- indexing ----
      {"embedding", "repeated ids", [] {
         Tensor ids = test::indices({2, 0, 2, 3, 2, 1}, {2, 3});
         return gc([ids](const Inputs& x) { return embedding(x[0], ids); }, {randn({5, 4}, 52)});
       }},
      {"index_select", "dim 1, repeats", [] {
         Tensor ids = test::indices({3, 0, 3}, {3});
         return gc([ids](const Inputs& x) { return index_select(x[0], 1, ids); }, {randn({2, 4, 3}, 53)});
       }},
      {"gather", "dim 1", [] {
         Tensor ids = test::indices({0, 2, 2, 1, 1, 0}, {2, 3});
         return gc([ids](const Inputs& x) { return gather(x[0], 1, ids); }, {randn({2, 3}, 54)});
       }},
      // ---- shape ----
      {"reshape", "non-contiguous input", [] { return gc([](const Inputs& x) { return reshape(transpose(x[0], 0, 1), {-1}); }, {randn({3, 4}, 55)}); }},
      {"transpose", "", [] { return gc([](const Inputs& x) { return mul(transpose(x[0], 0, 2), 2.0); }, {randn({2, 3, 4}, 56)}); }},
      {"permute", "", [] { return gc([](const Inputs& x) { return permute(x[0], {2, 0, 1}); }, {randn({2, 3, 4}, 57)}); }},
      {"narrow", "", [] { return gc([](const Inputs& x) { return narrow(x[0], 1, 1, 2); }, {randn({2, 4}, 58)}); }},
      {"expand", "", [] { return gc([](const Inputs& x) { return mul(expand(x[0], {2, 3, 4}), x[1]); }, {randn({3, 1}, 59), randn({2, 3, 4}, 60)}); }},
      {"contiguous", "", [] { return gc([](const Inputs& x) { return contiguous(transpose(x[0], 0, 1)); }, {randn({3, 4}, 61)}); }},
      {"concat", "dim 1", [] { return gc([](const Inputs& x) { return concat({x[0], x[1]}, 1); }, {randn({2, 3}, 62), randn({2, 2}, 63)}); }},
      {"split", "weighted pieces", [] {
         return gc([](const Inputs& x) {
           auto p = split(x[0], {1, 3}, 1);
           return add(mul(sum(p[0]), 2.0), sum(mul(p[1], p[1])));
         }, {randn({2, 4}, 64)});
       }},
      {"stack", "dim 1", [] { return gc([](const Inputs& x) { return stack({x[0], x[1]}, 1); }, {randn({2, 3}, 65), randn({2, 3}, 66)}); }},
      {"tril", "k = 0 and batched", [] { return gc([](const Inputs& x) { return tril(x[0]); }, {randn({2, 4, 4}, 67)}); }},
      {"triu", "k = 1 and batched", [] { return gc([](const Inputs& x) { return triu(x[0], 1); }, {randn({2, 4, 4}, 68)}); }},
      // ---- dropout: a fresh generator per call, so every evaluation uses the same mask ----
      {"dropout", "p = 0.3", [] {
         return gc([](const Inputs& x) {
           Generator g(99);
           return dropout(x[0], 0.3, true, &g);
         }, {randn({4, 8}, 68)});
       }},
      // ---- attention ----
      {"causal_attention", "B1 H2 T5 D3", [] { return gc([](const Inputs& x) { return causal_attention(x[0], x[1], x[2]); }, {randn({1, 2, 5, 3}, 69), randn({1, 2, 5, 3}, 70), randn({1, 2, 5, 3}, 71)}); }},
      {"shaped_combine", "B2 T5 H3 D2, every input", [] { return gc([](const Inputs& x) { return shaped_combine(x[0], x[1], x[2], x[3], x[4]); }, {randn({2, 5, 3, 2}, 77), randn({2, 5, 3, 2}, 78), randn({3}, 79), randn({3}, 80), randn({3}, 81)}); }},
      {"shaped_combine", "head-major views permuted to time-major", [] { return gc([](const Inputs& x) { return shaped_combine(permute(x[0], {0, 2, 1, 3}), permute(x[1], {0, 2, 1, 3}), x[2], x[3], x[4]); }, {randn({1, 2, 4, 3}, 82), randn({1, 2, 4, 3}, 83), randn({2}, 84), randn({2}, 85), randn({2}, 86)}); }},
      {"qkv_attention", "attention-probability dropout 0.4 (same mask each evaluation)", [] {
         return gc([](const Inputs& x) {
           Generator g(5);
           AttentionOptions o;
           o.dropout = 0.4;
           o.dropout_gen = &g;
           return qkv_attention(x[0], 2, o);
         }, {randn({2, 6, 12}, 87)});
       }},
      {"qkv_attention", "B2 T5 H2 D3 packed", [] { return gc([](const Inputs& x) { return qkv_attention(x[0], 2); }, {randn({2, 5, 18}, 75)}); }},
      {"qkv_attention", "non-causal, transposed (non-contiguous) input", [] {
         AttentionOptions o;
         o.causal = false;
         return gc([o](const Inputs& x) { return qkv_attention(transpose(x[0], 0, 1), 3, o); }, {randn({4, 2, 18}, 76)});
       }},
      {"causal_attention", "non-causal with alibi slopes", [] {
         AttentionOptions o;
         o.causal = false;
         o.alibi_slopes = Tensor::from_vector<double>({0.5, 0.25}, {2});
         return gc([o](const Inputs& x) { return causal_attention(x[0], x[1], x[2], o); }, {randn({2, 2, 4, 3}, 72), randn({2, 2, 4, 3}, 73), randn({2, 2, 4, 3}, 74)});
       }},
      // ---- FFT ----
      {"rfft", "even n, last dim", [] { return gc([](const Inputs& x) { return rfft(x[0]); }, {randn({2, 8}, 75)}); }},
      {"rfft", "odd n, dim 0", [] { return gc([](const Inputs& x) { return rfft(x[0], 0); }, {randn({7, 2}, 76)}); }},
      {"irfft", "even n", [] { return gc([](const Inputs& x) { return irfft(x[0], 6); }, {randn({2, 4, 2}, 77)}); }},
      {"irfft", "odd n", [] { return gc([](const Inputs& x) { return irfft(x[0], 7); }, {randn({4, 2}, 78)}); }},
      {"circular_conv", "T = 7", [] { return gc([](const Inputs& x) { return circular_conv(x[0], x[1]); }, {randn({2, 7}, 79), randn({2, 7, 3}, 80)}); }},
      {"causal_conv", "T = 6", [] { return gc([](const Inputs& x) { return causal_conv(x[0], x[1]); }, {randn({2, 6}, 81), randn({2, 6, 2}, 82)}); }},
  };
  return cases;
}

}  // namespace weft::test

TEST_SUITE("gradcheck") {
  TEST_CASE("every gradcheck case passes in f64") {
    for (const auto& c : test::gradcheck_cases()) {
      INFO("op " << c.op << " (" << c.label << ")");
      GradcheckResult r = c.run();
      INFO(r.message);
      CHECK(r.ok);
    }
  }

  TEST_CASE("gradcheck detects a wrong gradient") {
    // A deliberately broken function: forward x², but the graph says 3x (via a detached factor).
    auto f = [](const Inputs& x) { return mul(x[0], add(x[0].detach(), 1.0)); };
    GradcheckResult r = gradcheck(f, {randn({4}, 5)});
    CHECK_FALSE(r.ok);
  }
}
