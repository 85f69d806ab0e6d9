// The block library (the Magneto, DeepNet and Macaron papers): post_ln, deepnorm, magneto, macaron —
// their constants, init rules, reductions to simpler blocks, residual
// multipliers, option validation and f64 gradients.
#include <doctest/doctest.h>

#include <cmath>

#include "../support/block_fixture.h"
#include "../support/test_util.h"
#include "weft/autograd/gradcheck.h"
#include "weft/nn/blocks/deepnorm.h"
#include "weft/nn/blocks/magneto.h"
#include "weft/nn/language_model.h"

using namespace weft;
using namespace weft::test;

namespace {

Tensor input(int64_t d = 16, uint64_t seed = 5, DType dt = DType::f32) {
  return randn({2, 6, d}, seed, dt);
}

std::vector<std::string> names_of(Module& m) {
  std::vector<std::string> n;
  for (auto& [name, p] : m.named_parameters()) n.push_back(name);
  return n;
}

// Parameters equal bit for bit, by name and order.
void check_same_weights(Module& a, Module& b) {
  auto pa = a.named_parameters(), pb = b.named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].first);
    CHECK(pa[i].first == pb[i].first);
    CHECK(bitwise_equal(pa[i].second->tensor, pb[i].second->tensor));
  }
}

// max |a/g − b| relative to max |b|.
double scaled_error(const Tensor& a, const Tensor& b, double g) {
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  REQUIRE(x.size() == y.size());
  for (auto& v : y) v *= g;
  // NaN-propagating (test::max_abs_diff / max_abs): a NaN output fails `< tol`.
  const double scale = test::max_abs(y);
  return test::max_abs_diff(x, y) / (std::isnan(scale) || scale >= 1e-30 ? scale : 1e-30);
}

double sample_std(const Tensor& t) {
  auto v = t.to_vector<double>();
  double s = 0, s2 = 0;
  for (double x : v) s += x, s2 += x * x;
  const double n = static_cast<double>(v.size()), mean = s / n;
  return std::sqrt(s2 / n - mean * mean);
}

}  // namespace

TEST_SUITE("nn_blocks") {
  TEST_CASE("the block types are registered") {
    for (const char* t : {"pre_ln", "post_ln", "deepnorm", "magneto", "macaron"}) {
      INFO(t);
      CHECK(LayerRegistry::get("block").contains(t));
    }
  }

  TEST_CASE("Magneto gamma matches the paper's table to 1e-4") {
    const std::pair<int, double> table[] = {{6, 1.5764}, {12, 1.7827}, {24, 1.9675}, {48, 2.1364}};
    for (auto [n, g] : table) {
      INFO("N = " << n);
      CHECK(std::abs(magneto_gamma(StackRole::encoder, n) - g) < 1e-4);
      CHECK(std::abs(magneto_gamma(StackRole::decoder, n) - g) < 1e-4);
    }
    CHECK(std::abs(magneto_gamma(StackRole::encdec_encoder, 6, 6) - 1.5473) < 1e-4);
    CHECK(std::abs(magneto_gamma(StackRole::encdec_decoder, 6, 6) - 1.7001) < 1e-4);
    CHECK(std::abs(magneto_gamma(StackRole::encdec_encoder, 12, 12) - 1.9484) < 1e-4);
    CHECK(std::abs(magneto_gamma(StackRole::encdec_decoder, 12, 12) - 1.8930) < 1e-4);
  }

  TEST_CASE("DeepNorm alpha and beta match the paper's table to 1e-4") {
    auto d12 = deepnorm_constants(StackRole::decoder, 12), d24 = deepnorm_constants(StackRole::decoder, 24);
    CHECK(std::abs(d12.alpha - 2.2134) < 1e-4);
    CHECK(std::abs(d12.beta - 0.3195) < 1e-4);
    CHECK(std::abs(d24.alpha - 2.6321) < 1e-4);
    CHECK(std::abs(d24.beta - 0.2686) < 1e-4);
    auto e = deepnorm_constants(StackRole::encdec_encoder, 6, 6),
         dd = deepnorm_constants(StackRole::encdec_decoder, 6, 6);
    CHECK(std::abs(e.alpha - 1.4179) < 1e-4);
    CHECK(std::abs(e.beta - 0.4970) < 1e-4);
    CHECK(std::abs(dd.alpha - 2.0598) < 1e-4);
    CHECK(std::abs(dd.beta - 0.3433) < 1e-4);
    // torchscale's encoder coefficient (the DeepNet paper known discrepancy): 0.657 at N = M = 6.
    CHECK(std::abs(deepnorm_constants(StackRole::encdec_encoder, 6, 6, 1.15).beta - 0.657) < 1e-3);
  }

  TEST_CASE("the model's role reaches the constants: gpt blocks are decoder blocks") {
    auto m = build_block("type: deepnorm, base_init: param", 16, 2, 12);
    auto a = build_block("type: deepnorm, base_init: param, role: decoder", 16, 2, 12);
    auto e = build_block("type: deepnorm, base_init: param, role: encoder", 16, 2, 12);
    Tensor x = input();
    CHECK(bitwise_equal(m->block->forward(x), a->block->forward(x)));
    CHECK(bitwise_equal(m->block->forward(x), e->block->forward(x)));  // same table for a single stack
    CHECK_THROWS_WITH_AS(build_block("type: magneto, role: encdec_encoder"),
                         doctest::Contains("needs an encoder-decoder model"), ConfigError);
  }

  TEST_CASE("Magneto with inner norms off and gamma 1 equals pre-LN bit for bit") {
    auto mag = build_block("type: magneto, sub_ln: false, gamma: 1, base_init: param");
    auto pre = build_block("type: pre_ln");
    check_same_weights(*mag->block, *pre->block);
    Tensor x = input();
    CHECK(bitwise_equal(mag->block->forward(x), pre->block->forward(x)));
  }

  TEST_CASE("Magneto structure: an inner norm of width d in attention and d_ff in the FFN; one final norm") {
    auto mag = build_block("type: magneto");
    CHECK(mag->block->parameter("attn.inner_norm.weight").tensor.shape() == Shape{16});
    CHECK(mag->block->parameter("mlp.inner_norm.weight").tensor.shape() == Shape{64});
    CHECK(mag->block->parameter("mlp.inner_norm.bias").tensor.shape() == Shape{64});
    Recipe r = recipe_from_model("d_model: 16, n_heads: 2, n_layers: 2, seq_len: 8, block: {type: magneto}");
    auto model = build_language_model(r.view(), 256);
    int final_norms = 0;
    for (auto& n : names_of(*model)) final_norms += n.rfind("ln_f.", 0) == 0;
    CHECK(final_norms == 2);  // ln_f.weight, ln_f.bias
  }

  TEST_CASE("Magneto init: v, o, fc1, fc2 are gamma times the unscaled init; q, k untouched") {
    for (const char* base : {"torch_default", "xavier_normal"}) {
      for (bool biases : {true, false}) {
        INFO(base << ", scale_biases " << biases);
        const std::string opts =
            std::string("type: magneto, base_init: ") + base + ", scale_biases: " + (biases ? "true" : "false");
        auto g = build_block(opts, 16, 2, 12);
        auto one = build_block(opts + ", gamma: 1", 16, 2, 12);
        const double gamma = magneto_gamma(StackRole::decoder, 12);
        Module& a = *g->block;
        Module& b = *one->block;
        const int64_t d = 16;
        Tensor qkv_a = a.parameter("attn.qkv.weight").tensor, qkv_b = b.parameter("attn.qkv.weight").tensor;
        CHECK(bitwise_equal(narrow(qkv_a, 1, 0, 2 * d), narrow(qkv_b, 1, 0, 2 * d)));               // q, k
        CHECK(scaled_error(narrow(qkv_a, 1, 2 * d, d), narrow(qkv_b, 1, 2 * d, d), gamma) < 1e-6);  // v
        for (const char* w : {"attn.proj.weight", "mlp.fc.weight", "mlp.proj.weight"})
          CHECK(scaled_error(a.parameter(w).tensor, b.parameter(w).tensor, gamma) < 1e-6);
        if (std::string(base) == "torch_default") {  // xavier_normal biases start at zero
          Tensor bias_a = a.parameter("attn.qkv.bias").tensor, bias_b = b.parameter("attn.qkv.bias").tensor;
          CHECK(bitwise_equal(narrow(bias_a, 0, 0, 2 * d), narrow(bias_b, 0, 0, 2 * d)));
          const double bias_gain = biases ? gamma : 1.0;
          CHECK(scaled_error(narrow(bias_a, 0, 2 * d, d), narrow(bias_b, 0, 2 * d, d), bias_gain) < 1e-6);
          for (const char* w : {"attn.proj.bias", "mlp.fc.bias", "mlp.proj.bias"})
            CHECK(scaled_error(a.parameter(w).tensor, b.parameter(w).tensor, bias_gain) < 1e-6);
        }
      }
    }
  }

  TEST_CASE("Magneto's drop_path and act_dropout act in training only; drop_path grows with depth") {
    // drop_path at the last of 4 layers is the full rate, at the first 0 (linear over depth).
    auto plain = build_block("type: magneto", 16, 2, 4, 1.0, 11, 3);
    auto last = build_block("type: magneto, drop_path: 0.5, act_dropout: 0.3", 16, 2, 4, 1.0, 11, 3);
    auto first = build_block("type: magneto, drop_path: 0.5", 16, 2, 4, 1.0, 11, 0);
    Tensor x = input();
    plain->block->eval();
    last->block->eval();
    CHECK(bitwise_equal(plain->block->forward(x), last->block->forward(x)));
    plain->block->train();
    last->block->train();
    CHECK_FALSE(bitwise_equal(plain->block->forward(x), last->block->forward(x)));
    CHECK(bitwise_equal(plain->block->forward(x), first->block->forward(x)));
  }

  TEST_CASE("attn_dropout drops attention probabilities in training only; CAT attention refuses it") {
    for (const std::string type : {"pre_ln", "post_ln", "deepnorm", "magneto", "macaron"}) {
      CAPTURE(type);
      auto plain = build_block("type: " + type, 16, 2, 4, 1.0, 11, 1);
      auto dropped = build_block("type: " + type + ", attn_dropout: 0.3", 16, 2, 4, 1.0, 11, 1);
      Tensor x = input();
      plain->block->eval();
      dropped->block->eval();
      CHECK(bitwise_equal(plain->block->forward(x), dropped->block->forward(x)));
      plain->block->train();
      dropped->block->train();
      CHECK_FALSE(bitwise_equal(plain->block->forward(x), dropped->block->forward(x)));
    }
    CHECK_THROWS_AS(build_block("type: pre_ln, attn_dropout: 0.1, attn: {type: cat_causal}"), ConfigError);
  }

  TEST_CASE("DeepNorm with alpha = beta = 1 equals post-LN bit for bit") {
    auto dn = build_block("type: deepnorm, alpha: 1, beta: 1, base_init: param");
    auto post = build_block("type: post_ln");
    check_same_weights(*dn->block, *post->block);
    Tensor x = input();
    CHECK(bitwise_equal(dn->block->forward(x), post->block->forward(x)));
    // ... and auto alpha changes the function.
    auto dn_auto = build_block("type: deepnorm, beta: 1, base_init: param");
    CHECK_FALSE(bitwise_equal(dn_auto->block->forward(x), post->block->forward(x)));
  }

  TEST_CASE("DeepNorm init: v, o, fc1, fc2 have std beta x Xavier; q, k Xavier (4 sigma)") {
    const int64_t d = 64, L = 12;
    auto dn = build_block("type: deepnorm", d, 4, L);
    const double beta = deepnorm_constants(StackRole::decoder, L).beta;
    Module& m = *dn->block;
    auto check_std = [](const Tensor& t, double expect, const char* what) {
      const double n = static_cast<double>(t.numel());
      const double rel = sample_std(t) / expect - 1.0;
      INFO(what << ": std " << sample_std(t) << " vs " << expect);
      CHECK(std::abs(rel) < 4.0 / std::sqrt(2.0 * n));  // sd of a sample std ≈ σ/√(2n)
    };
    auto xavier = [](double fan_in, double fan_out) { return std::sqrt(2.0 / (fan_in + fan_out)); };
    Tensor qkv = m.parameter("attn.qkv.weight").tensor;
    check_std(narrow(qkv, 1, 0, d), xavier(d, d), "q");
    check_std(narrow(qkv, 1, d, d), xavier(d, d), "k");
    check_std(narrow(qkv, 1, 2 * d, d), beta * xavier(d, d), "v");
    check_std(m.parameter("attn.proj.weight").tensor, beta * xavier(d, d), "o");
    check_std(m.parameter("mlp.fc.weight").tensor, beta * xavier(d, 4 * d), "fc1");
    check_std(m.parameter("mlp.proj.weight").tensor, beta * xavier(4 * d, d), "fc2");
  }

  TEST_CASE("post-norm stacks have no final norm; pre-norm stacks have one") {
    auto has_final_norm = [](const std::string& block) {
      Recipe r = recipe_from_model("d_model: 16, n_heads: 2, n_layers: 2, seq_len: 8, block: {" + block + "}");
      auto model = build_language_model(r.view(), 256);
      bool has = false;
      for (auto& n : names_of(*model)) has = has || n.rfind("ln_f.", 0) == 0;
      return has;
    };
    CHECK_FALSE(has_final_norm("type: post_ln"));
    CHECK_FALSE(has_final_norm("type: deepnorm"));
    CHECK_FALSE(has_final_norm("type: macaron, norm: post"));
    CHECK(has_final_norm("type: pre_ln"));
    CHECK(has_final_norm("type: magneto"));
    CHECK(has_final_norm("type: macaron"));
  }

  TEST_CASE("Macaron parameter count = pre-LN with twice the FFN width, plus one norm and one bias vector") {
    const int64_t d = 16;
    auto mac = build_block("type: macaron");
    auto pre = build_block("type: pre_ln, ffn_mult: 4");
    CHECK(mac->block->num_parameters() - pre->block->num_parameters() == 3 * d);  // LN (2d) + fc2 bias (d)
    CHECK(mac->block->parameter("ffn1.fc.weight").tensor.shape() == Shape{d, 2 * d});
    CHECK(mac->block->parameter("ffn2.proj.weight").tensor.shape() == Shape{2 * d, d});
  }

  TEST_CASE(
      "Macaron reductions: without FFN 1 and with factor 1 it is the standard block; zero FFNs = attention only") {
    Tensor x = input();
    auto pre = build_block("type: pre_ln, activation: relu");
    // FFN₁ removed (its output zeroed), factor 1: x + Attn(LN₂ x), then + FFN₂(LN₃ ·).
    auto mac = build_block("type: macaron, ffn_mult: 4, half_step: 1");
    copy_weights(*pre->block, *mac->block, [](const std::string& n) {
      if (n.rfind("ln1.", 0) == 0) return "ln2." + n.substr(4);
      if (n.rfind("ln2.", 0) == 0) return "ln3." + n.substr(4);
      if (n.rfind("mlp.", 0) == 0) return "ffn2." + n.substr(4);
      return n;
    });
    scale_weights(
        *mac->block, [](const std::string& n) { return n.rfind("ffn1.proj.", 0) == 0; }, 0.0);
    CHECK(bitwise_equal(mac->block->forward(x), pre->block->forward(x)));
    // Both FFNs zeroed: x + Attn(LN₂ x), the pre-LN block with a zero MLP.
    scale_weights(
        *mac->block, [](const std::string& n) { return n.rfind("ffn2.proj.", 0) == 0; }, 0.0);
    scale_weights(
        *pre->block, [](const std::string& n) { return n.rfind("mlp.proj.", 0) == 0; }, 0.0);
    CHECK(bitwise_equal(mac->block->forward(x), pre->block->forward(x)));
  }

  TEST_CASE("Macaron's half step: doubling each FFN's W2 and b2 equals factor 1, exactly") {
    Tensor x = input();
    auto half = build_block("type: macaron");
    auto full = build_block("type: macaron, half_step: 1");
    check_same_weights(*half->block, *full->block);
    CHECK_FALSE(bitwise_equal(half->block->forward(x), full->block->forward(x)));
    scale_weights(
        *half->block,
        [](const std::string& n) { return n.find(".proj.") != std::string::npos && n.rfind("ffn", 0) == 0; }, 2.0);
    CHECK(bitwise_equal(half->block->forward(x), full->block->forward(x)));
  }

  TEST_CASE("every block type multiplies each residual branch by the parameterization's residual multiplier") {
    // r·(x W + b) = x (rW) + rb exactly for r = ½: a block with r = ½ equals the
    // r = 1 block with every branch's last projection halved.
    auto last_projection = [](const std::string& n) {
      return n.find("attn.proj.") != std::string::npos || n.find("mlp.proj.") != std::string::npos ||
             n.find("ffn1.proj.") != std::string::npos || n.find("ffn2.proj.") != std::string::npos;
    };
    for (const char* type : {"type: pre_ln", "type: post_ln", "type: deepnorm", "type: magneto", "type: macaron",
                             "type: macaron, norm: post"}) {
      INFO(type);
      auto half = build_block(type, 16, 2, 4, 0.5);
      auto one = build_block(type, 16, 2, 4, 1.0);
      check_same_weights(*half->block, *one->block);
      Tensor x = input();
      Tensor y_half = half->block->forward(x);
      CHECK_FALSE(bitwise_equal(y_half, one->block->forward(x)));
      scale_weights(*one->block, last_projection, 0.5);
      CHECK(max_abs_diff(y_half, one->block->forward(x)) < 1e-6);
    }
  }

  TEST_CASE("f64 gradcheck through Magneto's inner norms, DeepNorm and Macaron") {
    struct Case {
      const char* block;
      std::vector<std::string> params;  // checked with the input; the rest stay constant
    };
    const Case cases[] = {
        {"type: magneto, gamma: 1.7, base_init: xavier_normal",
         {"attn.inner_norm.weight", "attn.inner_norm.bias", "mlp.inner_norm.weight", "mlp.inner_norm.bias"}},
        {"type: deepnorm", {"ln1.weight", "ln2.bias"}},
        {"type: macaron", {"ffn1.fc.weight", "ffn1.proj.bias", "ln3.weight"}},
    };
    for (const Case& c : cases) {
      INFO(c.block);
      auto b = build_block(c.block, 8, 2, 4, 1.0, 3);
      Module& m = *b->block;
      for (auto& [name, p] : m.named_parameters()) p->tensor = p->tensor.to(DType::f64).set_requires_grad(true);
      // Perturb the norm parameters away from their 1/0 init so their gradients are generic.
      std::vector<Tensor> inputs = {randn({1, 3, 8}, 9)};
      uint64_t seed = 20;
      for (auto& n : c.params) {
        Tensor& t = m.parameter(n).tensor;
        t = add(t.detach(), mul(randn(t.shape(), seed++), 0.1)).set_requires_grad(true);
        inputs.push_back(t);
      }
      auto f = [&](const std::vector<Tensor>& in) {
        for (size_t k = 0; k < c.params.size(); ++k) m.parameter(c.params[k]).tensor = in[k + 1];
        return b->block->forward(in[0]);
      };
      GradcheckResult r = gradcheck(f, inputs);
      INFO(r.message);
      CHECK(r.ok);
    }
  }

  TEST_CASE("block options are validated, naming the key") {
    auto error_of = [](const std::string& block) -> std::string {
      try {
        recipe_from_model("d_model: 16, n_heads: 2, n_layers: 2, seq_len: 8, block: {" + block + "}");
      } catch (const ConfigError& e) {
        return e.what();
      }
      return "";
    };
    CHECK(error_of("type: deepnorm, sub_ln: true").find("mutually exclusive") != std::string::npos);
    CHECK(error_of("type: deepnorm, sub_ln: true").find("model.block.sub_ln") != std::string::npos);
    CHECK(error_of("type: magneto, gamma: big").find("model.block.gamma") != std::string::npos);
    CHECK(error_of("type: deepnorm, alpha: -1").find("neither auto nor a number > 0") != std::string::npos);
    CHECK(error_of("type: macaron, norm: middle").find("model.block.norm") != std::string::npos);
    CHECK(error_of("type: macaron, norm_type: rmsnorm, norm: post") == "");
    CHECK(error_of("type: magneto, role: sideways").find("model.block.role") != std::string::npos);
    CHECK(error_of("type: post_ln, gamma: 2").find("unknown key") != std::string::npos);
    CHECK(error_of("type: magneto, gamma: 2.5, attn: {type: softmax}, layerdrop: 0.1") == "");
  }
}
