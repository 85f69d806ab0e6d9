// Parameterizations (the CompleteP paper): the CompleteP table at three (m_N, m_L, α)
// points, SP as its m_N = m_L = 1 case, init statistics, the multipliers a
// built model carries, the residual and logit multipliers in the forward, and
// the recipe checks.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "../support/residual_mult.h"
#include "../support/test_util.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/language_model.h"
#include "weft/ops/ops.h"
#include "weft/param/complete_p.h"
#include "weft/param/multipliers.h"
#include "weft/train/recipe_schema.h"

using namespace weft;
namespace fs = std::filesystem;

namespace {

InitRequest req(ParamRole role, bool outside_blocks = false) {
  InitRequest r{role, 64, 64};
  r.outside_blocks = outside_blocks;
  return r;
}

// A validated recipe with a gpt model (bytes, d_model, n_layers, 2 heads) and
// the given `param:` flow map; the corpus is never read by build_model.
Recipe recipe_with(const std::string& param, int64_t d_model, int64_t n_layers, const std::string& optim = "adamw") {
  const fs::path dir = fs::temp_directory_path() / ("weft_param_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "r.yaml");
    f << "model: {type: gpt, d_model: " << d_model << ", n_layers: " << n_layers << ", n_heads: 2, seq_len: 8}\n"
      << "param: " << param << "\n"
      << "optim: {type: " << optim << "}\n"
      << "data: {type: bytes, path: corpus.txt}\n";
  }
  Recipe r = load_and_validate_recipe(dir / "r.yaml", {});
  fs::remove_all(dir);
  return r;
}

std::shared_ptr<LanguageModel> model_for(const std::string& param, int64_t d_model, int64_t n_layers) {
  return build_language_model(recipe_with(param, d_model, n_layers).view(), 256);
}

double empirical_std(const Tensor& t) {
  auto v = t.to_vector<double>();
  double s = 0;
  for (double x : v) s += x * x;  // mean 0 by construction
  return std::sqrt(s / static_cast<double>(v.size()));
}

std::string error_of(const std::string& param, const std::string& optim = "adamw") {
  try {
    recipe_with(param, 32, 2, optim);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_SUITE("param") {
  TEST_CASE("the CompleteP table at (m_N, m_L, alpha) = (1, 1, 1), (4, 8, 1), (4, 8, 0.5)") {
    struct Row {
      double m_n, m_l, alpha;
      // expected, written out from the CompleteP paper (not from the implementation's formulas)
      double hidden_std, hidden_lr, hidden_wd, block_lr, eps, residual, output;
    };
    const double s8 = std::sqrt(8.0);
    const Row rows[] = {
        {1, 1, 1.0, 0.02, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0},
        {4, 8, 1.0, 0.01, 0.25, 4.0, 1.0, 1.0 / 32, 1.0 / 8, 0.25},
        {4, 8, 0.5, 0.01, 0.25 / s8, 4.0, 1.0 / s8, 1.0 / (4 * s8), 1.0 / s8, 0.25},
    };
    for (const Row& row : rows) {
      CAPTURE(row.m_n);
      CAPTURE(row.m_l);
      CAPTURE(row.alpha);
      CompletePOptions o;
      o.base_width = 64;
      o.base_depth = 2;
      o.alpha = row.alpha;
      o.init_std = 0.02;
      const ModelShape shape{static_cast<int64_t>(64 * row.m_n), static_cast<int64_t>(2 * row.m_l), 64};
      auto p = make_complete_p_parameterization(shape, o);
      const double tol = 1e-12;
      // init std
      CHECK(p->init_std(req(ParamRole::hidden_weight)) == doctest::Approx(row.hidden_std).epsilon(tol));
      InitRequest out_proj = req(ParamRole::hidden_weight);
      out_proj.residual_output = true;  // µP/CompleteP drop GPT-2's 1/√(2L)
      CHECK(p->init_std(out_proj) == doctest::Approx(row.hidden_std).epsilon(tol));
      CHECK(p->init_std(req(ParamRole::embedding)) == 0.02);
      CHECK(p->init_std(req(ParamRole::output)) == 0.02);
      CHECK(p->init_std(req(ParamRole::hidden_bias)) == 0.0);
      // learning rate
      CHECK(p->lr_mult(req(ParamRole::embedding)) == 1.0);
      CHECK(p->lr_mult(req(ParamRole::output)) == 1.0);
      CHECK(p->lr_mult(req(ParamRole::norm_gain, true)) == 1.0);  // final LN: η_base
      CHECK(p->lr_mult(req(ParamRole::norm_bias, true)) == 1.0);
      CHECK(p->lr_mult(req(ParamRole::hidden_weight)) == doctest::Approx(row.hidden_lr).epsilon(tol));
      for (ParamRole r : {ParamRole::hidden_bias, ParamRole::norm_gain, ParamRole::norm_bias, ParamRole::gain})
        CHECK(p->lr_mult(req(r)) == doctest::Approx(row.block_lr).epsilon(tol));
      // weight decay (coupled: lr·wd of hidden weights is width-independent)
      CHECK(p->wd_mult(req(ParamRole::hidden_weight)) == doctest::Approx(row.hidden_wd).epsilon(tol));
      CHECK(p->lr_mult(req(ParamRole::hidden_weight)) * p->wd_mult(req(ParamRole::hidden_weight)) ==
            doctest::Approx(row.block_lr).epsilon(tol));
      CHECK(p->wd_mult(req(ParamRole::embedding)) == 1.0);
      CHECK(p->wd_mult(req(ParamRole::output)) == 1.0);
      for (ParamRole r : {ParamRole::hidden_bias, ParamRole::norm_gain, ParamRole::norm_bias, ParamRole::gain}) {
        CHECK(p->wd_mult(req(r)) == 0.0);
        CHECK(p->wd_mult(req(r, true)) == 0.0);
      }
      // AdamW ε (the paper's Eq. 40): 1/(m_N m_L^α) in the residual blocks, 1/m_N outside
      for (ParamRole r : {ParamRole::hidden_weight, ParamRole::hidden_bias, ParamRole::norm_gain})
        CHECK(p->eps_mult(req(r)) == doctest::Approx(row.eps).epsilon(tol));
      CHECK(p->eps_mult(req(ParamRole::embedding)) == doctest::Approx(1.0 / row.m_n).epsilon(tol));
      CHECK(p->eps_mult(req(ParamRole::output)) == doctest::Approx(1.0 / row.m_n).epsilon(tol));
      CHECK(p->eps_mult(req(ParamRole::norm_gain, true)) == doctest::Approx(1.0 / row.m_n).epsilon(tol));
      // model-level multipliers
      CHECK(p->residual_mult() == doctest::Approx(row.residual).epsilon(tol));
      CHECK(p->output_mult() == doctest::Approx(row.output).epsilon(tol));
      CHECK(p->input_mult() == 1.0);
      CHECK(p->attn_scale(64) == doctest::Approx(1.0 / 64));
      o.eps_scaling = false;
      CHECK(make_complete_p_parameterization(shape, o)->eps_mult(req(ParamRole::hidden_weight)) == 1.0);
    }
  }

  TEST_CASE("m_N = m_L = 1 gives SP's values; the factory rejects bad options") {
    const ModelShape shape{96, 6, 48};
    CompletePOptions o;
    o.base_width = 96;
    o.base_depth = 6;
    o.alpha = 0.5;
    auto cp = make_complete_p_parameterization(shape, o);
    auto sp = make_standard_parameterization(shape, {0.02, false});
    auto gpt2 = make_standard_parameterization(shape);
    for (ParamRole role : {ParamRole::embedding, ParamRole::hidden_weight, ParamRole::hidden_bias, ParamRole::norm_gain,
                           ParamRole::norm_bias, ParamRole::gain, ParamRole::output})
      for (bool outside : {false, true})
        for (bool residual_output : {false, true}) {
          InitRequest r = req(role, outside);
          r.residual_output = residual_output;
          CAPTURE(role_name(role));
          CHECK(cp->init_std(r) == sp->init_std(r));
          CHECK(cp->lr_mult(r) == sp->lr_mult(r));
          CHECK(cp->lr_mult(r) == 1.0);
          CHECK(cp->wd_mult(r) == sp->wd_mult(r));
          CHECK(cp->eps_mult(r) == 1.0);
          CHECK(sp->eps_mult(r) == 1.0);
        }
    CHECK(cp->residual_mult() == 1.0);
    CHECK(cp->output_mult() == 1.0);
    InitRequest proj = req(ParamRole::hidden_weight);
    proj.residual_output = true;
    CHECK(gpt2->init_std(proj) == 0.02 / std::sqrt(12.0));  // GPT-2: 1/√(2L)
    CHECK(gpt2->attn_scale(48) == 1.0 / std::sqrt(48.0));

    o.alpha = 0.4;
    CHECK_THROWS_AS(make_complete_p_parameterization(shape, o), ValueError);
    o.alpha = 1.0;
    o.base_depth = 0;
    CHECK_THROWS_AS(make_complete_p_parameterization(shape, o), ValueError);
  }

  TEST_CASE("sp with default options initialises exactly as before; completep at the base shape equals sp") {
    // The default sp recipe = make_standard_parameterization's defaults, bit for bit.
    auto a = model_for("{type: sp}", 32, 2);
    CHECK(a->parameterization().name() == "sp");
    // completep at base = actual shape, with SP's attention scale and no GPT-2
    // residual scaling, builds the same tensors as sp without it.
    auto b = model_for("{type: sp, scale_residual_init: false}", 32, 3);
    auto c = model_for("{type: completep, base_width: 32, base_depth: 3, alpha: 0.5, attn_scale: inv_sqrt_dh}", 32, 3);
    auto pb = b->named_parameters(), pc = c->named_parameters();
    REQUIRE(pb.size() == pc.size());
    for (size_t i = 0; i < pb.size(); ++i) {
      CAPTURE(pb[i].first);
      CHECK(test::bitwise_equal(pb[i].second->tensor, pc[i].second->tensor));
      CHECK(pb[i].second->lr_mult == pc[i].second->lr_mult);
      CHECK(pb[i].second->wd_mult == pc[i].second->wd_mult);
      CHECK(pc[i].second->eps_mult == 1.0);
    }
    Tensor ids = Tensor::from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}, {1, 8});
    CHECK(test::bitwise_equal(b->forward(ids), c->forward(ids)));
    // and the GPT-2 residual scaling is what sets the default sp apart
    auto d = model_for("{type: sp}", 32, 3);
    CHECK(test::bitwise_equal(d->parameter("blocks.0.attn.qkv.weight").tensor,
                              b->parameter("blocks.0.attn.qkv.weight").tensor));
    CHECK_FALSE(test::bitwise_equal(d->parameter("blocks.0.attn.proj.weight").tensor,
                                    b->parameter("blocks.0.attn.proj.weight").tensor));
  }

  TEST_CASE("init std statistics: hidden sigma/sqrt(m_N), embeddings sigma (4-sigma bounds)") {
    // m_N = 128/32 = 4: hidden std 0.04/2 = 0.02
    auto m = model_for("{type: completep, base_width: 32, base_depth: 1, init_std: 0.04}", 128, 2);
    int checked = 0;
    for (auto& pp : placed_parameters(*m)) {
      const Tensor& t = pp.param->tensor;
      const ParamGroup g = param_group(pp.request);
      CAPTURE(pp.name);
      if (g == ParamGroup::hidden_weight || g == ParamGroup::embedding) {
        const double want = g == ParamGroup::hidden_weight ? 0.02 : 0.04;
        CHECK(pp.param->init_std == doctest::Approx(want).epsilon(1e-12));
        // the sample std of n normals has standard error σ/√(2n)
        const double n = static_cast<double>(t.numel());
        CHECK(std::abs(empirical_std(t) - want) <= 4.0 * want / std::sqrt(2.0 * n));
        ++checked;
      } else {
        CHECK(pp.param->init_std == 0.0);
        const double constant = pp.param->role == ParamRole::norm_gain ? 1.0 : 0.0;
        for (double v : t.to_vector<double>()) REQUIRE(v == constant);
      }
    }
    CHECK(checked == 2 + 2 * 4);  // tok/pos embeddings + 4 matrices per block
  }

  TEST_CASE("a built model carries the table's multipliers: in-block norms vs the final norm, tied embedding") {
    // m_N = 64/16 = 4, m_L = 8/1 = 8, α = ½
    auto m = model_for("{type: completep, base_width: 16, base_depth: 1, alpha: 0.5}", 64, 8);
    const double s8 = std::sqrt(8.0);
    auto check = [&](const std::string& name, double lr, double wd, double eps) {
      CAPTURE(name);
      const Parameter& p = m->parameter(name);
      CHECK(p.lr_mult == doctest::Approx(lr).epsilon(1e-12));
      CHECK(p.wd_mult == doctest::Approx(wd).epsilon(1e-12));
      CHECK(p.eps_mult == doctest::Approx(eps).epsilon(1e-12));
    };
    const double eps_in = 1.0 / (4 * s8);
    check("tok_emb.weight", 1, 1, 0.25);
    check("pos_emb.weight", 1, 1, 0.25);
    check("blocks.7.ln1.weight", 1 / s8, 0, eps_in);
    check("blocks.0.ln2.bias", 1 / s8, 0, eps_in);
    check("blocks.3.attn.qkv.weight", 0.25 / s8, 4, eps_in);
    check("blocks.3.attn.qkv.bias", 1 / s8, 0, eps_in);
    check("blocks.5.mlp.proj.weight", 0.25 / s8, 4, eps_in);
    check("ln_f.weight", 1, 0, 0.25);
    check("ln_f.bias", 1, 0, 0.25);
    CHECK(m->parameterization().residual_mult() == doctest::Approx(1 / s8));
    // µP: the same width scaling, no depth scaling (α and base_depth are not its keys)
    auto u = model_for("{type: mup, base_width: 16}", 64, 8);
    CHECK(u->parameter("blocks.3.attn.qkv.weight").lr_mult == 0.25);
    CHECK(u->parameter("blocks.3.ln1.weight").lr_mult == 1.0);
    CHECK(u->parameter("blocks.3.ln1.weight").eps_mult == 0.25);
    CHECK(u->parameterization().residual_mult() == 1.0);
    CHECK(u->parameterization().output_mult() == 0.25);
  }

  TEST_CASE("pre_ln applies the residual multiplier to both branches") {
    auto make = [](const BlockContext& ctx) { return std::make_shared<PreLNBlock>(ctx, PreLNOptions{}); };
    const Tensor x = test::randn({2, 5, 16}, 11, DType::f32);
    SUBCASE("r = 0.3: x + r·Attn(LN1 x), then h + r·MLP(LN2 h), from the block's own sub-modules") {
      auto b = test::build_block_with_residual_mult(make, 0.3, 16, 4, 2, 5);
      const auto& kids = b.block->children();
      REQUIRE(kids.size() == 4);
      auto attn = std::dynamic_pointer_cast<Attention>(kids[1].second);
      auto mlp = std::dynamic_pointer_cast<MLP>(kids[3].second);
      REQUIRE(attn);
      REQUIRE(mlp);
      Tensor h = add(x, mul(attn->forward(apply_norm(*kids[0].second, x)), 0.3));
      Tensor want = add(h, mul(mlp->forward(apply_norm(*kids[2].second, h)), 0.3));
      test::check_close(b.block->forward(x).to_vector<double>(), want.to_vector<double>(), 1e-6, "pre_ln");
    }
    SUBCASE("r = 0: every branch vanishes; r = 1 differs") {
      auto zero = test::build_block_with_residual_mult(make, 0.0, 16, 4, 2, 5);
      CHECK(test::bitwise_equal(zero.block->forward(x), x));
      auto one = test::build_block_with_residual_mult(make, 1.0, 16, 4, 2, 5);
      CHECK(test::max_abs_diff(one.block->forward(x), x) > 1e-3);
    }
  }

  TEST_CASE("the logits are multiplied by output_mult / m_N") {
    Tensor ids = Tensor::from_vector(std::vector<int64_t>{3, 1, 4, 1, 5, 9, 2, 6}, {1, 8});
    auto a = model_for("{type: completep, base_width: 8, base_depth: 1}", 32, 2);  // m_N = 4
    auto b = model_for("{type: completep, base_width: 8, base_depth: 1, output_mult: 2.0}", 32, 2);
    CHECK(a->parameterization().output_mult() == 0.25);
    CHECK(b->parameterization().output_mult() == 0.5);
    // same init; powers of two, so exactly twice
    CHECK(test::bitwise_equal(b->forward(ids), mul(a->forward(ids), 2.0)));
  }

  TEST_CASE("recipe checks name the key") {
    CHECK(error_of("{type: completep, alpha: 0.4}").find("param.alpha") != std::string::npos);
    CHECK(error_of("{type: completep, alpha: 1.5}").find("param.alpha") != std::string::npos);
    CHECK(error_of("{type: completep, base_width: 0}").find("param.base_width") != std::string::npos);
    CHECK(error_of("{type: completep, base_depth: -2}").find("param.base_depth") != std::string::npos);
    CHECK(error_of("{type: mup, alpha: 0.5}").find("param.alpha: unknown key") != std::string::npos);
    CHECK(error_of("{type: sp, init_std: 0}").find("param.init_std") != std::string::npos);
    CHECK(error_of("{type: completep, attn_scale: sqrt}").find("param.attn_scale") != std::string::npos);
    const std::string sgd = error_of("{type: completep}", "sgd");
    CHECK(sgd.find("param.type") != std::string::npos);
    CHECK(sgd.find("adamw") != std::string::npos);
    CHECK(error_of("{type: sp}", "sgd").empty());
    CHECK(error_of("{type: completep, base_width: 64, base_depth: 4, alpha: 0.5, eps_scaling: false}").empty());
  }
}
