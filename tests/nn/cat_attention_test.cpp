// CAT attention (the CAT paper): the FFT mixers against dense O(T²) references in
// f64, row sums of the implied matrices, the cyclic-shift property of the
// bidirectional layer, exact causality of cat_causal, gradients of W_A, parameter
// counts, cat_avgkey's logits, CAT-Alter and the AttentionContext hooks.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "../support/block_fixture.h"
#include "../support/test_util.h"
#include "weft/autograd/gradcheck.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/layers/attention.h"
#include "weft/nn/layers/cat_attention.h"
#include "weft/nn/models/gpt.h"
#include "weft/ops/ops.h"

using namespace weft;
using test::check_close;
using test::recipe_from_model;
using test::randn;

namespace {

// softmax over the last dim of one row
std::vector<double> softmax_row(const double* z, int64_t T) {
  double m = z[0];
  for (int64_t k = 1; k < T; ++k) m = std::max(m, z[k]);
  std::vector<double> p(static_cast<size_t>(T));
  double s = 0;
  for (int64_t k = 0; k < T; ++k) s += (p[k] = std::exp(z[k] - m));
  for (auto& x : p) x /= s;
  return p;
}

// Dense circulant(softmax(z)) · v for z [R, T], v [R, T, D].
std::vector<double> dense_circulant(const Tensor& z, const Tensor& v, CatOrientation o) {
  auto zv = z.to_vector<double>(), vv = v.to_vector<double>();
  const int64_t T = z.shape().back(), R = z.numel() / T, D = v.shape().back();
  std::vector<double> out(vv.size(), 0.0);
  for (int64_t r = 0; r < R; ++r) {
    auto zeta = softmax_row(zv.data() + r * T, T);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j) {
        const int64_t lag = o == CatOrientation::corr ? ((j - i) % T + T) % T : ((i - j) % T + T) % T;
        for (int64_t d = 0; d < D; ++d) out[(r * T + i) * D + d] += zeta[lag] * vv[(r * T + j) * D + d];
      }
  }
  return out;
}

// Dense O_i = Σ_{k≤i} w_k v_{i−k} / Σ_{k≤i} w_k with w = e^{cap·tanh(z/cap)}.
std::vector<double> dense_causal(const Tensor& z, const Tensor& v, double cap) {
  auto zv = z.to_vector<double>(), vv = v.to_vector<double>();
  const int64_t T = z.shape().back(), R = z.numel() / T, D = v.shape().back();
  std::vector<double> out(vv.size(), 0.0);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < T; ++i) {
      double den = 0;
      for (int64_t k = 0; k <= i; ++k) {
        const double w = std::exp(cap * std::tanh(zv[r * T + k] / cap));
        den += w;
        for (int64_t d = 0; d < D; ++d) out[(r * T + i) * D + d] += w * vv[(r * T + i - k) * D + d];
      }
      for (int64_t d = 0; d < D; ++d) out[(r * T + i) * D + d] /= den;
    }
  return out;
}

// Relative error: max |a − b| / max |b|. A non-finite b makes the scale NaN, and the check fails.
void check_rel(const std::vector<double>& a, const std::vector<double>& b, double tol, const char* what) {
  check_close(a, b, tol * test::max_abs(b), what);
}

Tensor eye_values(int64_t R, int64_t T) {  // v = I per row: the mixer returns its matrix
  std::vector<double> e(static_cast<size_t>(R * T * T), 0.0);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < T; ++i) e[(r * T + i) * T + i] = 1.0;
  return Tensor::from_vector(e, {R, T, T});
}

struct Fixture {
  std::shared_ptr<Parameterization> param;
  Generator init{3}, drop{4};
  BlockContext ctx;
  Fixture(int64_t d, int64_t H, int64_t layer = 0) {
    param = make_standard_parameterization({d, 2, d / H});
    ctx.param = param.get();
    ctx.shape = {d, 2, d / H};
    ctx.n_heads = H;
    ctx.seq_len = 64;
    ctx.layer_index = layer;
    ctx.init_gen = &init;
    ctx.dropout_gen = &drop;
  }
  AttentionContext attn() const {
    AttentionContext a;
    a.block = ctx;
    return a;
  }
};

ResolvedView attn_view(const std::string& yaml) {
  return ResolvedView(YAML::Load(yaml));
}

std::shared_ptr<Attention> build(Fixture& f, const std::string& yaml) {
  return build_attention(attn_view(yaml), f.attn());
}

const char* kCausal = "{type: cat_causal, z_cap: 10.0, zeta_dropout: 0.0, alter_every: 0}";
const char* kCorr = "{type: cat, orientation: corr, zeta_dropout: 0.0, alter_every: 0}";
const char* kConv = "{type: cat, orientation: conv, zeta_dropout: 0.0, alter_every: 0}";
const char* kAvgKey = "{type: cat_avgkey, orientation: corr, zeta_dropout: 0.0, alter_every: 0}";

Tensor roll_time(const Tensor& x, int64_t s) {  // out[:, t] = x[:, (t − s) mod T]
  const int64_t T = x.size(1);
  std::vector<int64_t> idx(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) idx[t] = ((t - s) % T + T) % T;
  return index_select(x, 1, Tensor::from_vector(idx, {T}));
}

}  // namespace

TEST_SUITE("cat_attention") {
  TEST_CASE("circulant_mix (FFT) equals the dense circulant in f64, both orientations") {
    uint64_t seed = 10;
    for (int64_t T : {13, 16, 15})  // prime, power of two, odd
      for (CatOrientation o : {CatOrientation::corr, CatOrientation::conv}) {
        CAPTURE(T);
        Tensor z = randn({2, 3, T}, seed++), v = randn({2, 3, T, 4}, seed++);
        check_rel(circulant_mix(z, v, o).to_vector<double>(), dense_circulant(z, v, o), 1e-10, "circulant");
      }
  }

  TEST_CASE("causal_lag_mix equals the dense prefix-normalised convolution in f64") {
    uint64_t seed = 20;
    for (int64_t T : {13, 16, 15, 100}) {
      CAPTURE(T);
      Tensor z = mul(randn({2, 3, T}, seed++), 3.0), v = randn({2, 3, T, 5}, seed++);
      check_rel(causal_lag_mix(z, v, 10.0).to_vector<double>(), dense_causal(z, v, 10.0), 1e-10, "causal");
    }
  }

  TEST_CASE("rows of the implied matrices sum to 1; cat_causal's is lower triangular") {
    const int64_t T = 17;
    Tensor z = mul(randn({3, T}, 30), 4.0);
    for (int kind = 0; kind < 3; ++kind) {
      CAPTURE(kind);
      Tensor m = kind == 2 ? causal_lag_mix(z, eye_values(3, T), 10.0)
                           : circulant_mix(z, eye_values(3, T), kind ? CatOrientation::conv : CatOrientation::corr);
      auto mv = m.to_vector<double>();
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t i = 0; i < T; ++i) {
          double s = 0;
          for (int64_t j = 0; j < T; ++j) {
            const double x = mv[(r * T + i) * T + j];
            s += x;
            if (kind == 2 && j > i) CHECK(x == 0.0);
            if (kind == 2 && j <= i) CHECK(x > 0.0);
          }
          CHECK(s == doctest::Approx(1.0).epsilon(1e-12));
        }
    }
  }

  TEST_CASE("the soft cap bounds the weights: extreme logits stay finite") {
    Tensor z = Tensor::from_vector(std::vector<double>{-1e4, 0.0, 1e4, 50.0, -50.0}, {1, 5});
    Tensor o = causal_lag_mix(z, randn({1, 5, 2}, 31), 10.0);
    for (double x : o.to_vector<double>()) CHECK(std::isfinite(x));
  }

  TEST_CASE("cyclic shifts: corr output is invariant, conv output moves by twice the shift") {
    // With R_ij = ζ_(j−i) and ζ computed from the tokens themselves, shifting every
    // token by s shifts ζ by s too, and the two shifts cancel (corr) or add (conv):
    // O(roll(X, s)) = O(X) (corr), = roll(O(X), 2s) (conv). (this is
    // "shift equivariance"; for the paper's formula it is this exact relation.)
    Fixture f(8, 2);
    Tensor x = randn({2, 11, 8}, 40, DType::f32);
    for (int orient = 0; orient < 2; ++orient) {
      auto layer = build(f, orient ? kConv : kCorr);
      Tensor y = layer->forward(x);
      for (int64_t s : {1, 3}) {
        Tensor ys = layer->forward(roll_time(x, s));
        check_close(ys.to_vector<double>(), roll_time(y, orient ? 2 * s : 0).to_vector<double>(), 1e-5, "shift");
      }
    }
  }

  TEST_CASE("cat_causal: perturbing x_j for j > i leaves output rows <= i bitwise unchanged") {
    Fixture f(16, 4);
    auto layer = build(f, kCausal);
    const int64_t T = 150;  // spans several levels of the online convolution
    Tensor x = randn({2, T, 16}, 50, DType::f32);
    Tensor y = layer->forward(x);
    for (int64_t j : {int64_t(1), int64_t(64), int64_t(97), T - 1}) {
      CAPTURE(j);
      Tensor x2 = x.clone();
      narrow(x2, 1, j, T - j).copy_(randn({2, T - j, 16}, 51 + j, DType::f32));
      Tensor y2 = layer->forward(x2);
      CHECK(test::bitwise_equal(narrow(y, 1, 0, j), narrow(y2, 1, 0, j)));
      CHECK_FALSE(test::bitwise_equal(narrow(y, 1, j, 1), narrow(y2, 1, j, 1)));
    }
  }

  TEST_CASE("gpt + pre_ln + cat_causal: changing later tokens leaves earlier logits bitwise unchanged") {
    GPTConfig c;
    c.vocab = 256;
    c.d_model = 32;
    c.n_heads = 4;
    c.n_layers = 2;
    c.seq_len = 100;
    auto param = make_standard_parameterization({c.d_model, c.n_layers, c.d_model / c.n_heads});
    const PreLNOptions pre;
    const ResolvedView attn = attn_view(kCausal);
    GPT model(
        c, param, [&](const BlockContext& ctx) { return std::make_shared<PreLNBlock>(ctx, pre, attn); }, 9);
    std::vector<int64_t> ids(100);
    for (size_t t = 0; t < ids.size(); ++t) ids[t] = int64_t((t * 37 + 11) % 256);
    Tensor y = model.forward(Tensor::from_vector(ids, {1, 100}));
    for (int64_t j : {1, 50, 99}) {
      std::vector<int64_t> ids2 = ids;
      for (size_t t = size_t(j); t < ids2.size(); ++t) ids2[t] = int64_t((t * 91 + 5) % 256);
      Tensor y2 = model.forward(Tensor::from_vector(ids2, {1, 100}));
      CHECK(test::bitwise_equal(narrow(y, 1, 0, j), narrow(y2, 1, 0, j)));
      CHECK_FALSE(test::bitwise_equal(narrow(y, 1, j, 1), narrow(y2, 1, j, 1)));
    }
  }

  TEST_CASE("gradcheck of W_A (and x, V) through both mixers in f64") {
    const int64_t T = 7, d = 4, H = 2;
    for (int kind = 0; kind < 3; ++kind) {
      CAPTURE(kind);
      auto f = [kind](const std::vector<Tensor>& in) {
        Tensor z = permute(matmul(in[0], in[1]), {0, 2, 1});  // [1, H, T]
        if (kind == 2) return causal_lag_mix(z, in[2], 3.0);
        return circulant_mix(z, in[2], kind ? CatOrientation::conv : CatOrientation::corr);
      };
      auto r = gradcheck(f, {randn({1, T, d}, 60), randn({d, H}, 61), randn({1, H, T, 3}, 62)});
      INFO(r.message);
      CHECK(r.ok);
    }
  }

  TEST_CASE("parameters: 4d² + 4d (softmax) → 2d² + dH + H + 2d (cat, cat_causal)") {
    const int64_t d = 32, H = 4;
    Fixture f(d, H);
    auto softmax = std::make_shared<SoftmaxAttention>(d, f.attn());
    CHECK(softmax->num_parameters() == 4 * d * d + 4 * d);
    for (const char* y : {kCorr, kCausal}) CHECK(build(f, y)->num_parameters() == 2 * d * d + d * H + H + 2 * d);
    CHECK(build(f, kAvgKey)->num_parameters() == 4 * d * d + 4 * d);
    AttentionContext nb = f.attn();
    nb.bias = false;
    CHECK(build_attention(attn_view(kCausal), nb)->num_parameters() == 2 * d * d + d * H);
  }

  TEST_CASE("cat_avgkey: z_i = Q_i · mean_j K_j / sqrt(d_h)") {
    const int64_t d = 8, H = 2, Dh = 4, T = 6;
    Fixture f(d, H);
    auto layer = std::dynamic_pointer_cast<CatAttention>(build(f, kAvgKey));
    REQUIRE(layer);
    Tensor x = randn({1, T, d}, 70, DType::f32);
    auto z = layer->logits(x).to_vector<double>();  // [1, H, T]
    auto w = layer->parameter("qk.weight").tensor.to_vector<double>(),
         b = layer->parameter("qk.bias").tensor.to_vector<double>();
    auto xv = x.to_vector<double>();
    auto proj = [&](int64_t t, int64_t c) {  // column c of [x W + b] at time t
      double s = b[c];
      for (int64_t i = 0; i < d; ++i) s += xv[t * d + i] * w[i * 2 * d + c];
      return s;
    };
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t) {
        double s = 0;
        for (int64_t e = 0; e < Dh; ++e) {
          double kbar = 0;
          for (int64_t j = 0; j < T; ++j) kbar += proj(j, d + h * Dh + e) / T;
          s += proj(t, h * Dh + e) * kbar;
        }
        CHECK(z[h * T + t] == doctest::Approx(s / std::sqrt(double(Dh))).epsilon(1e-5));
      }
  }

  TEST_CASE("the AttentionContext is honoured: value/output init gain, inner norm, no bias") {
    const int64_t d = 8;
    Fixture f1(d, 2), f2(d, 2);
    AttentionContext a1 = f1.attn(), a2 = f2.attn();
    a2.value_out_gain = 2.5;
    a2.inner_norm = "layernorm";
    auto l1 = build_attention(attn_view(kCausal), a1), l2 = build_attention(attn_view(kCausal), a2);
    for (const char* n : {"v.weight", "proj.weight"})
      check_close(l2->parameter(n).tensor.to_vector<double>(), mul(l1->parameter(n).tensor, 2.5).to_vector<double>(),
                  1e-6, n);
    check_close(l2->parameter("wa.weight").tensor.to_vector<double>(),
                l1->parameter("wa.weight").tensor.to_vector<double>(), 0.0, "W_A keeps gain 1");
    CHECK_NOTHROW(l2->parameter("inner_norm.weight"));
    CHECK_THROWS(l1->parameter("inner_norm.weight"));
  }

  TEST_CASE("CAT-Alter: alter_every = 2 puts softmax attention in every second block") {
    const char* y = "{type: cat_causal, z_cap: 10.0, zeta_dropout: 0.0, alter_every: 2}";
    Fixture f0(8, 2, 0), f1(8, 2, 1), f3(8, 2, 3);
    CHECK(std::dynamic_pointer_cast<CatAttention>(build(f0, y)));
    CHECK(std::dynamic_pointer_cast<SoftmaxAttention>(build(f1, y)));
    CHECK(std::dynamic_pointer_cast<SoftmaxAttention>(build(f3, y)));
  }

  TEST_CASE("heads must divide d_model") {
    Fixture f(8, 3);
    CHECK_THROWS_WITH_AS(build(f, kCausal), doctest::Contains("n_heads 3 must divide d_model 8"), ShapeError);
  }

  TEST_CASE("registry: cat and cat_avgkey are bidirectional, cat_causal is causal") {
    auto& r = AttentionRegistry::instance();
    CHECK(r.is_bidirectional("cat"));
    CHECK(r.is_bidirectional("cat_avgkey"));
    CHECK_FALSE(r.is_bidirectional("cat_causal"));
  }

  TEST_CASE("zeta dropout: off in eval, active and deterministic in training") {
    Fixture f(8, 2);
    auto l = build(f, "{type: cat_causal, z_cap: 10.0, zeta_dropout: 0.5, alter_every: 0}");
    Tensor x = randn({1, 9, 8}, 80, DType::f32);
    l->eval();
    Tensor e1 = l->forward(x), e2 = l->forward(x);
    CHECK(test::bitwise_equal(e1, e2));
    l->train();
    CHECK_FALSE(test::bitwise_equal(l->forward(x), e1));
  }

  TEST_CASE("cat_causal at the top of its z_cap range (40): finite in f32, forward and backward, at every logit scale") {
    const double cap = 40.0;
    const int64_t T = 12;
    // z = 0 is the model at init (weights e^(−cap)); ×1e3 drives ẑ to ±cap (weights
    // e^(−2cap) and 1) at random positions, including first ones.
    for (double scale : {0.0, 1e3, -1e3, 30.0}) {
      CAPTURE(scale);
      Tensor z32 = mul(randn({2, 3, T}, 90, DType::f32), scale);
      Tensor v32 = randn({2, 3, T, 4}, 91, DType::f32);
      z32.set_requires_grad(true);
      v32.set_requires_grad(true);
      Tensor y = causal_lag_mix(z32, v32, cap, MixDropout{});
      sum(mul(y, y)).backward();
      CHECK(std::isfinite(test::max_abs(y.to_vector<double>())));
      CHECK(std::isfinite(test::max_abs(z32.grad().to_vector<double>())));
      CHECK(std::isfinite(test::max_abs(v32.grad().to_vector<double>())));
      // And it is the same mix as the f64 dense reference.
      check_rel(y.to_vector<double>(), dense_causal(z32.to(DType::f64), v32.to(DType::f64), cap), 1e-4, "cap 40");
    }
  }

  TEST_CASE("z_cap above 40 is refused by the recipe schema, naming the key") {
    CHECK_THROWS_WITH_AS(recipe_from_model("d_model: 16, n_heads: 2, n_layers: 1, seq_len: 8, "
                                           "block: {type: pre_ln, attn: {type: cat_causal, z_cap: 80}}"),
                         doctest::Contains("z_cap"), RecipeError);
    CHECK_NOTHROW(recipe_from_model("d_model: 16, n_heads: 2, n_layers: 1, seq_len: 8, "
                                    "block: {type: pre_ln, attn: {type: cat_causal, z_cap: 40}}"));
  }
}
