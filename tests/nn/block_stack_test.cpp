// BlockStack: a model with two stacks of different widths and depths gets each
// stack's own parameterization (CompleteP's m_N and m_L per stack) for the
// parameters inside it, and the model's for the rest; LayerDrop and pruning
// act per stack.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "weft/nn/block_stack.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/layers/linear.h"
#include "weft/param/multipliers.h"
#include "weft/param/registry.h"
#include "weft/train/recipe_schema.h"

using namespace weft;
namespace fs = std::filesystem;

namespace {

Recipe completep_recipe() {
  const fs::path dir = fs::temp_directory_path() / ("weft_stack_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "r.yaml");
    f << "param: {type: completep, base_width: 16, base_depth: 2}\ndata: {type: bytes, path: c.txt}\n";
  }
  Recipe r = load_and_validate_recipe(dir / "r.yaml", {});
  fs::remove_all(dir);
  return r;
}

// Two stacks (widths 32 and 64, depths 2 and 8) between an input and an output
// projection that belong to the model (its parameterization: width 32, depth 2).
class TwoStackModel : public Module {
 public:
  explicit TwoStackModel(const ResolvedView& param) : init(1) {
    model_param = build_parameterization(param, {32, 2, 16});
    auto a_param = build_parameterization(param, {32, 2, 16});
    auto b_param = build_parameterization(param, {64, 8, 16});
    BlockBuilder pre_ln = [](const BlockContext& ctx) { return std::make_shared<PreLNBlock>(ctx, PreLNOptions{}); };
    in = register_module("in", std::make_shared<Linear>(32, 32, *model_param, init));
    BlockStackConfig ca;
    ca.name = "first";
    ca.d_model = 32, ca.n_layers = 2, ca.n_heads = 2, ca.seq_len = 8;
    a = register_module("first", std::make_shared<BlockStack>(ca, a_param, pre_ln, init, &dropout, 1, "pre_ln"));
    BlockStackConfig cb = ca;
    cb.name = "second";
    cb.d_model = 64, cb.n_layers = 8, cb.n_heads = 4, cb.layerdrop = 0.5;
    b = register_module("second", std::make_shared<BlockStack>(cb, b_param, pre_ln, init, &dropout, 1, "pre_ln"));
  }
  Generator init, dropout{2};
  std::shared_ptr<Parameterization> model_param;
  std::shared_ptr<Linear> in;
  std::shared_ptr<BlockStack> a, b;
};

}  // namespace

TEST_SUITE("nn_block_stack") {
  TEST_CASE("each stack's parameters take their multipliers from the stack's own parameterization") {
    const Recipe r = completep_recipe();
    TwoStackModel m(r.view().at("param"));
    assign_multipliers(m, *m.model_param);
    const Parameter& qa = m.parameter("first.0.attn.qkv.weight");
    const Parameter& qb = m.parameter("second.3.attn.qkv.weight");
    InitRequest hidden{ParamRole::hidden_weight};
    CHECK(qa.lr_mult == m.a->parameterization().lr_mult(hidden));
    CHECK(qb.lr_mult == m.b->parameterization().lr_mult(hidden));
    // base width 16, base depth 2: m_N = 2, m_L = 1 in the first stack, m_N = 4, m_L = 4 in
    // the second (α = 1: hidden lr × 1/m_N · m_L^0, ε × 1/(m_N · m_L)).
    CHECK(qa.lr_mult == doctest::Approx(0.5));
    CHECK(qb.lr_mult == doctest::Approx(0.25));
    CHECK(qa.eps_mult == doctest::Approx(1.0 / 2.0));
    CHECK(qb.eps_mult == doctest::Approx(1.0 / (4.0 * 4.0)));
    // The residual multiplier each stack's blocks apply: m_L^−α.
    CHECK(m.a->parameterization().residual_mult() == doctest::Approx(1.0));
    CHECK(m.b->parameterization().residual_mult() == doctest::Approx(0.25));
    // Outside the stacks: the model's parameterization.
    CHECK(m.parameter("in.weight").lr_mult == m.model_param->lr_mult(InitRequest{ParamRole::hidden_weight}));
    // The summaries inspect prints.
    CHECK(m.b->summary().width == 64);
    CHECK(m.b->summary().depth == 8);
    CHECK(m.b->summary().param == &m.b->parameterization());
  }

  TEST_CASE("LayerDrop and pruning act per stack, keyed by the step") {
    const Recipe r = completep_recipe();
    TwoStackModel m(r.view().at("param"));
    m.train();
    int dropped_a = 0, dropped_b = 0;
    for (int64_t step = 0; step < 50; ++step)
      for (int64_t k = 0; k < 2; ++k) {
        dropped_a += !m.a->block_runs(k, step);
        dropped_b += !m.b->block_runs(k, step);
        CHECK(m.b->block_runs(k, step) == m.b->block_runs(k, step));  // a pure function of (step, layer)
      }
    CHECK(dropped_a == 0);  // layerdrop 0
    CHECK(dropped_b > 10);
    CHECK(dropped_b < 90);
    m.eval();
    for (int64_t k = 0; k < 8; ++k) CHECK(m.b->block_runs(k, 7));  // eval runs every block
    m.b->set_kept_blocks({0, 2});
    CHECK(m.b->block_runs(0, 7));
    CHECK_FALSE(m.b->block_runs(1, 7));
    CHECK(m.a->block_runs(1, 7));  // the other stack is untouched
    CHECK_THROWS_AS(m.b->set_kept_blocks({2, 1}), ConfigError);
  }
}
