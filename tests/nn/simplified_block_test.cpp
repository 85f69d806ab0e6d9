// Shaped attention and the sas / sas_p blocks (the SAS paper): identity at init,
// the C and A row sums, causality, gradients of α, β, γ, the blocks' values at
// init, the residual multiplier, the optimizer's no-decay group for the gains,
// the norm options and the parameter saving against pre_ln.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "../support/test_util.h"
#include "weft/autograd/gradcheck.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/blocks/simplified.h"
#include "weft/nn/models/gpt.h"
#include "weft/ops/ops.h"
#include "weft/optim/optimizer.h"

using namespace weft;
using test::check_close;
using test::randn;

namespace {

// SP with residual_mult 0.5, to see that the blocks apply the multiplier.
class HalfResidual final : public Parameterization {
 public:
  explicit HalfResidual(const ModelShape& s) : sp_(make_standard_parameterization(s)) {}
  std::string name() const override { return "half_residual"; }
  double init_std(const InitRequest& r) const override { return sp_->init_std(r); }
  double lr_mult(const InitRequest& r) const override { return sp_->lr_mult(r); }
  double wd_mult(const InitRequest& r) const override { return sp_->wd_mult(r); }
  double eps_mult(const InitRequest& r) const override { return sp_->eps_mult(r); }
  double residual_mult() const override { return 0.5; }
  double output_mult() const override { return 1.0; }
  double input_mult() const override { return 1.0; }
  double attn_scale(int64_t d_head) const override { return sp_->attn_scale(d_head); }

 private:
  std::shared_ptr<Parameterization> sp_;
};

struct Fixture {
  std::shared_ptr<Parameterization> param;
  Generator init{5}, drop{6};
  BlockContext ctx;
  Fixture(int64_t d, int64_t H, int64_t layer = 0, bool half = false) {
    const ModelShape s{d, 4, d / H};
    param =
        half ? std::shared_ptr<Parameterization>(std::make_shared<HalfResidual>(s)) : make_standard_parameterization(s);
    ctx.param = param.get();
    ctx.shape = s;
    ctx.n_heads = H;
    ctx.seq_len = 64;
    ctx.layer_index = layer;
    ctx.init_gen = &init;
    ctx.dropout_gen = &drop;
  }
};

// The registered block's options with every default filled, plus overrides.
SimplifiedBlockOptions options(bool parallel, int64_t layer, const std::string& overrides = "{}") {
  YAML::Node n = YAML::Load(
      "{shaped: {alpha: 1.0, beta: 1.0, gamma: 1.0, trainable: true}, query_init_std: 0.0, key_init_std: 0.02, "
      "attn_resid_gain: 1.0, mlp_resid_gain: 0.1, first_layer_value: trainable_identity, norm: rmsnorm, "
      "norm_eps: 1.0e-5, ffn_mult: 4.0, activation: relu, mlp_bias: false, layerdrop: 0.0}");
  n["mlp_skip_gain"] = parallel ? 0.0 : 1.0;
  for (auto kv : YAML::Load(overrides)) n[kv.first.as<std::string>()] = kv.second;
  return SimplifiedBlock::read_options(ResolvedView(n), parallel, layer);
}

// x / (rms(x) + 1e-5), over the last dim (the paper's RMSN with unit gain).
Tensor rmsn(const Tensor& x) {
  return div(x, add(sqrt(mean(mul(x, x), {-1}, true)), 1e-5));
}

Tensor mlp_of(Module& block, const Tensor& h) {
  return matmul(relu(matmul(h, block.parameter("mlp.fc.weight").tensor)), block.parameter("mlp.proj.weight").tensor);
}

}  // namespace

TEST_SUITE("sas") {
  TEST_CASE("shaped attention with a zero query is the identity: SA(X) = X") {
    // f64 mixer: S = C exactly in exact arithmetic; the tiled kernel and the prefix
    // sum round differently, so the bracket β·SV − γ·CV is ~1e-16, not 0.
    const int64_t H = 3, T = 37;
    Tensor v = randn({2, H, T, 4}, 1), ones = Tensor::ones({H}, DType::f64);
    Tensor y = shaped_mix(Tensor::zeros({2, H, T, 4}, DType::f64), randn({2, H, T, 4}, 2), v, ones, ones, ones, 0.5);
    check_close(y.to_vector<double>(), v.to_vector<double>(), 1e-13, "SA(X) vs X (f64)");
    // The f32 module at init (W_q = 0), in block 0 with its trainable value, and later.
    for (int64_t layer : {0, 1}) {
      Fixture f(16, 4, layer);
      ShapedAttentionOptions o;
      o.trainable_value = layer == 0;
      ShapedAttention sa(f.ctx, o);
      Tensor x = randn({2, T, 16}, 3, DType::f32);
      check_close(sa.forward(x).to_vector<double>(), x.to_vector<double>(), 1e-6, "SA(X) vs X (f32)");
    }
  }

  TEST_CASE("C is the causal uniform matrix (rows sum to 1); A's rows sum to α + β − γ; both causal") {
    const int64_t H = 2, T = 9;
    std::vector<double> e(static_cast<size_t>(H * T * T), 0.0);
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i) e[(h * T + i) * T + i] = 1.0;
    Tensor eye = Tensor::from_vector(e, {1, H, T, T});  // V = I: the mixer returns its matrix
    Tensor zeros = Tensor::zeros({H}, DType::f64);
    // α = β = 0, γ = −1 leaves C itself.
    Tensor q = randn({1, H, T, T}, 4), k = randn({1, H, T, T}, 5);
    auto c = shaped_mix(q, k, eye, zeros, zeros, Tensor::full({H}, -1.0, DType::f64), 0.3).to_vector<double>();
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i) {
        double s = 0;
        for (int64_t j = 0; j < T; ++j) {
          const double x = c[(h * T + i) * T + j];
          CHECK(x == doctest::Approx(j <= i ? 1.0 / double(i + 1) : 0.0).epsilon(1e-14));
          s += x;
        }
        CHECK(s == doctest::Approx(1.0).epsilon(1e-14));
      }
    Tensor alpha = Tensor::from_vector(std::vector<double>{0.7, 1.3}, {H});
    Tensor beta = Tensor::from_vector(std::vector<double>{0.4, -0.2}, {H});
    Tensor gamma = Tensor::from_vector(std::vector<double>{0.9, 0.5}, {H});
    auto a = shaped_mix(q, k, eye, alpha, beta, gamma, 0.3).to_vector<double>();
    const double expect[] = {0.7 + 0.4 - 0.9, 1.3 - 0.2 - 0.5};
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i) {
        double s = 0;
        for (int64_t j = 0; j < T; ++j) {
          s += a[(h * T + i) * T + j];
          if (j > i) CHECK(a[(h * T + i) * T + j] == 0.0);
        }
        CHECK(s == doctest::Approx(expect[h]).epsilon(1e-12));
      }
  }

  TEST_CASE("gradcheck of α, β, γ (and q, k, v) in f64") {
    const int64_t H = 2, T = 5;
    auto f = [](const std::vector<Tensor>& in) { return shaped_mix(in[0], in[1], in[2], in[3], in[4], in[5], 0.5); };
    auto r = gradcheck(f, {randn({1, H, T, 3}, 7), randn({1, H, T, 3}, 8), randn({1, H, T, 3}, 9), randn({H}, 10),
                           randn({H}, 11), randn({H}, 12)});
    INFO(r.message);
    CHECK(r.ok);
  }

  TEST_CASE("blocks at init: sas_p = N1(x) + 0.1·MLP(N1(x)), sas = N1(x) + 0.1·MLP(N2(N1(x)))") {
    for (bool half : {false, true}) {  // half: residual_mult 0.5 multiplies both gained branches
      const double r = half ? 0.5 : 1.0;
      for (int64_t layer : {0, 2}) {
        CAPTURE(half);
        CAPTURE(layer);
        Tensor x = mul(randn({2, 13, 16}, 20 + layer, DType::f32), 3.0);
        Tensor n1 = rmsn(x);
        Fixture fp(16, 4, layer, half);
        SASParallelBlock p(fp.ctx, options(true, layer));
        Tensor expect_p = add(mul(n1, r), mul(mlp_of(p, n1), 0.1 * r));
        check_close(p.forward(x).to_vector<double>(), expect_p.to_vector<double>(), 1e-5, "sas_p");
        Fixture fs(16, 4, layer, half);
        SASBlock s(fs.ctx, options(false, layer));
        Tensor a = mul(n1, r);
        Tensor expect_s = add(a, mul(mlp_of(s, rmsn(a)), 0.1 * r));
        check_close(s.forward(x).to_vector<double>(), expect_s.to_vector<double>(), 1e-5, "sas");
      }
    }
  }

  TEST_CASE("causality: perturbing token j leaves rows < j of a trained-looking block bitwise unchanged") {
    Fixture f(16, 4, 0);
    SASBlock b(f.ctx, options(false, 0, "{query_init_std: 0.3}"));  // non-zero W_q: S ≠ C
    const int64_t T = 80;
    Tensor x = randn({1, T, 16}, 30, DType::f32);
    Tensor y = b.forward(x);
    for (int64_t j : {int64_t(1), int64_t(40), T - 1}) {
      Tensor x2 = x.clone();
      narrow(x2, 1, j, T - j).copy_(randn({1, T - j, 16}, 31 + j, DType::f32));
      Tensor y2 = b.forward(x2);
      CHECK(test::bitwise_equal(narrow(y, 1, 0, j), narrow(y2, 1, 0, j)));
    }
  }

  TEST_CASE("gains: per head α, β, γ and the branch gains are ParamRole::gain, outside weight decay") {
    Fixture f(16, 4, 0);
    SASBlock b(f.ctx, options(false, 0));
    int gains = 0;
    for (auto& [name, p] : b.named_parameters()) {
      const bool is_gain = name.find("alpha") != std::string::npos || name.find("beta") != std::string::npos ||
                           name.find("gamma") != std::string::npos || name.find("_gain") != std::string::npos ||
                           name == "attn.value_r" || name == "attn.value_s";
      CAPTURE(name);
      if (!is_gain) continue;
      ++gains;
      CHECK(p->role == ParamRole::gain);
      CHECK_FALSE(role_decays_by_default(p->role));
    }
    CHECK(gains == 8);  // α, β, γ, r, s, β_SA, β_FF, α_FF
    CHECK(b.parameter("attn.alpha").tensor.numel() == 4);
    // γ = 0 and shaped.trainable: false leave no gain parameters in the attention.
    Fixture f2(16, 4, 1);
    SASParallelBlock p(f2.ctx, options(true, 1, "{shaped: {alpha: 1.0, beta: 1.0, gamma: 0.0, trainable: true}}"));
    CHECK_THROWS(p.parameter("attn.gamma"));
    CHECK_THROWS(p.parameter("skip_gain"));  // sas_p: α_FF = 0 by default
    Fixture f3(16, 4, 1);
    SASBlock c(f3.ctx, options(false, 1, "{shaped: {alpha: 1.0, beta: 1.0, gamma: 1.0, trainable: false}}"));
    CHECK_THROWS(c.parameter("attn.alpha"));
  }

  TEST_CASE("init: W_q zero, W_k N(0, key_init_std²), ΔW zero; first_layer_value: identity drops it") {
    Fixture f(64, 4, 0);
    SASBlock b(f.ctx, options(false, 0, "{key_init_std: 0.05}"));
    for (double x : b.parameter("attn.wq.weight").tensor.to_vector<double>()) CHECK(x == 0.0);
    for (double x : b.parameter("attn.value_delta").tensor.to_vector<double>()) CHECK(x == 0.0);
    auto k = b.parameter("attn.wk.weight").tensor.to_vector<double>();
    double ss = 0;
    for (double x : k) ss += x * x;
    CHECK(std::sqrt(ss / double(k.size())) == doctest::Approx(0.05).epsilon(0.05));
    Fixture g(64, 4, 0);
    SASBlock c(g.ctx, options(false, 0, "{first_layer_value: identity}"));
    CHECK_THROWS(c.parameter("attn.value_delta"));
  }

  TEST_CASE("norms: rmsnorm is x / (rms(x) + eps)·g; none keeps only block 0's first LayerNorm") {
    RMSNorm n(6, 0.5, RmsEps::outside_root);
    Tensor x = randn({3, 6}, 40, DType::f32);
    check_close(n.forward(x).to_vector<double>(),
                div(x, add(sqrt(mean(mul(x, x), {-1}, true)), 0.5)).to_vector<double>(), 1e-6, "rmsn");
    Fixture f0(16, 4, 0), f1(16, 4, 1);
    SASBlock b0(f0.ctx, options(false, 0, "{norm: none}")), b1(f1.ctx, options(false, 1, "{norm: none}"));
    CHECK_NOTHROW(b0.parameter("ln1.bias"));  // a LayerNorm
    CHECK_THROWS(b0.parameter("ln2.weight"));
    for (auto& [name, p] : b1.named_parameters()) CHECK(name.find("ln") == std::string::npos);
  }

  TEST_CASE("parameter count: sas / sas_p vs pre_ln at the same d and L") {
    const int64_t d = 128, H = 4, L = 4;
    auto count = [&](const std::string& type) {
      GPTConfig c;
      c.vocab = 256;
      c.d_model = d;
      c.n_heads = H;
      c.n_layers = L;
      c.seq_len = 128;
      auto param = make_standard_parameterization({d, L, d / H});
      const PreLNOptions pre_opts;
      GPT m(
          c, param,
          [&](const BlockContext& ctx) -> std::shared_ptr<Block> {
            if (type == "pre_ln") return std::make_shared<PreLNBlock>(ctx, pre_opts);
            if (type == "sas") return std::make_shared<SASBlock>(ctx, options(false, ctx.layer_index));
            return std::make_shared<SASParallelBlock>(ctx, options(true, ctx.layer_index));
          },
          1);
      return m.num_parameters();
    };
    const int64_t pre = count("pre_ln"), sas = count("sas"), sasp = count("sas_p");
    const int64_t embed = 256 * d + 128 * d + 2 * d;  // tokens, positions, final LayerNorm
    // Per block: pre_ln 12d² + 13d; sas 10d² + 2d + 3H + 3 (+ d² + 2 for block 0's value); sas_p one norm, no α_FF.
    CHECK(pre == embed + L * (12 * d * d + 13 * d));
    CHECK(sas == embed + L * (10 * d * d + 2 * d + 3 * H + 3) + d * d + 2);
    CHECK(sasp == embed + L * (10 * d * d + d + 3 * H + 2) + d * d + 2);
    const double block_saving = 1.0 - double(sas - embed) / double(pre - embed);
    MESSAGE("params at d=128, L=4: pre_ln " << pre << ", sas " << sas << ", sas_p " << sasp << "; block parameters "
                                            << 100.0 * block_saving << "% fewer");
    CHECK(block_saving > 0.13);
    CHECK(block_saving < 0.17);
  }
}
