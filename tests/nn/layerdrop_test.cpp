// LayerDrop (the LayerDrop paper) in the gpt model: the per-step draw, eval, the
// extremes p = 0 and p = 1, gradients and AdamW for dropped layers, and
// every-other pruning with the pruned checkpoint.
#include <doctest/doctest.h>

#include <cmath>

#include "../support/block_fixture.h"
#include "../support/test_util.h"
#include "weft/nn/layerdrop.h"
#include "weft/nn/models/gpt.h"
#include "weft/optim/adamw.h"
#include "weft/train/session.h"

using namespace weft;
using namespace weft::test;

namespace {

std::shared_ptr<LanguageModel> model(const std::string& block, const std::string& extra = "", int64_t layers = 4) {
  Recipe r = recipe_from_model("d_model: 16, n_heads: 2, n_layers: " + std::to_string(layers) + ", seq_len: 8, " +
                               extra + "block: {" + block + "}");
  return build_language_model(r.view(), 256);
}

Tensor ids(uint64_t seed = 1) {
  std::vector<int64_t> v;
  uint64_t x = seed;
  for (int i = 0; i < 16; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    v.push_back(static_cast<int64_t>((x >> 33) % 256));
  }
  return Tensor::from_vector(v, {2, 8});
}

GPT& gpt(LanguageModel& m) {
  return dynamic_cast<GPT&>(m);
}

}  // namespace

TEST_SUITE("nn_layerdrop") {
  TEST_CASE("p = 0 runs every layer in every training step: training losses equal eval-mode losses bit for bit") {
    // Eval mode never draws (block_runs short-circuits); training mode draws u > p
    // for every layer, so the two compare the drawing path against the plain one.
    auto train = model("type: pre_ln, layerdrop: 0");
    auto plain = model("type: pre_ln, layerdrop: 0");
    plain->eval();
    for (int64_t step = 0; step < 200; ++step) {
      train->set_step(step);
      for (int64_t k = 0; k < 4; ++k) CHECK(gpt(*train).block_runs(k));
    }
    for (int64_t step = 0; step < 5; ++step) {
      train->set_step(step);
      plain->set_step(step);
      CHECK(bitwise_equal(train->loss(ids(step), ids(step + 7)), plain->loss(ids(step), ids(step + 7))));
    }
    // The comparison can fail: with p = 0.5 the same training steps differ from eval.
    auto half = model("type: pre_ln, layerdrop: 0.5");
    int differ = 0;
    for (int64_t step = 0; step < 5; ++step) {
      half->set_step(step);
      differ += !bitwise_equal(half->loss(ids(step), ids(step + 7)), plain->loss(ids(step), ids(step + 7)));
    }
    CHECK(differ > 0);
  }

  TEST_CASE("eval runs every layer whatever p is; training drops some") {
    auto plain = model("type: post_ln");
    auto ld = model("type: post_ln, layerdrop: 0.5");
    plain->eval();
    ld->eval();
    CHECK(bitwise_equal(plain->forward(ids()), ld->forward(ids())));
    plain->train();
    ld->train();
    int differ = 0;
    for (int64_t step = 0; step < 10; ++step) {
      ld->set_step(step);
      differ += !bitwise_equal(plain->forward(ids()), ld->forward(ids()));
    }
    CHECK(differ > 0);
  }

  TEST_CASE("p = 1 reduces the stack to the identity between embedding and final norm") {
    auto m = model("type: pre_ln, layerdrop: 1");
    m->set_step(3);
    Module& mm = *m;
    Tensor x = add(embedding(mm.parameter("tok_emb.weight").tensor, ids()),
                   embedding(mm.parameter("pos_emb.weight").tensor, Tensor::arange(8)));
    x = layer_norm(x, mm.parameter("ln_f.weight").tensor, mm.parameter("ln_f.bias").tensor, 1e-5);
    Tensor expect = matmul(x, transpose(mm.parameter("tok_emb.weight").tensor, 0, 1));
    CHECK(max_abs_diff(m->forward(ids()), expect) < 1e-6);
    for (int64_t k = 0; k < 4; ++k) CHECK_FALSE(gpt(*m).block_runs(k));
  }

  TEST_CASE("the drop fraction over many steps is p (binomial, 4 sigma); draws depend on seed, step and layer only") {
    const double p = 0.3;
    auto m = model("type: pre_ln, layerdrop: 0.3", "", 8);
    int64_t dropped = 0, n = 0;
    std::vector<int64_t> per_layer(8, 0);
    for (int64_t step = 0; step < 1000; ++step) {
      m->set_step(step);
      for (int64_t k = 0; k < 8; ++k, ++n) {
        const bool runs = gpt(*m).block_runs(k);
        CHECK(runs == layerdrop_runs(1, step, k, p));  // the recipe's default seed is 1
        dropped += !runs;
        per_layer[static_cast<size_t>(k)] += !runs;
      }
    }
    const double frac = static_cast<double>(dropped) / static_cast<double>(n);
    CHECK(std::abs(frac - p) < 4.0 * std::sqrt(p * (1 - p) / static_cast<double>(n)));
    for (int64_t c : per_layer)
      CHECK(std::abs(static_cast<double>(c) / 1000.0 - p) < 4.0 * std::sqrt(p * (1 - p) / 1000.0));
    // A different seed draws differently.
    int same = 0;
    for (int64_t step = 0; step < 100; ++step) same += layerdrop_runs(1, step, 0, p) == layerdrop_runs(2, step, 0, p);
    CHECK(same < 100);
  }

  TEST_CASE("a dropped layer gets no gradient, and AdamW leaves it untouched (no moments, no decay)") {
    auto m = model("type: pre_ln, layerdrop: 0.5");
    int64_t step = 0;
    while (gpt(*m).block_runs(0) == gpt(*m).block_runs(1) || !(gpt(*m).block_runs(0) || gpt(*m).block_runs(1)))
      m->set_step(++step);
    const int64_t run = gpt(*m).block_runs(0) ? 0 : 1, drop = 1 - run;
    const std::string dropped_w = "blocks." + std::to_string(drop) + ".mlp.fc.weight";
    const std::string run_w = "blocks." + std::to_string(run) + ".mlp.fc.weight";
    Tensor before_drop = m->parameter(dropped_w).tensor.clone(), before_run = m->parameter(run_w).tensor.clone();
    AdamWOptions o;
    o.weight_decay = 0.1;
    AdamW opt(m->named_parameters(), o);
    m->loss(ids(), ids(9)).backward();
    CHECK_FALSE(m->parameter(dropped_w).tensor.grad().defined());
    CHECK(m->parameter(run_w).tensor.grad().defined());
    opt.step(1e-2);
    CHECK(bitwise_equal(m->parameter(dropped_w).tensor, before_drop));
    CHECK_FALSE(bitwise_equal(m->parameter(run_w).tensor, before_run));
  }

  TEST_CASE("every-other pruning keeps 0, 2, 4, ... and refuses rates that would drop everything") {
    std::vector<int64_t> expect16;
    for (int64_t i = 0; i < 16; i += 2) expect16.push_back(i);
    CHECK(every_other_kept(16, 0.5) == expect16);
    CHECK(every_other_kept(8, 0.25) == std::vector<int64_t>{0, 1, 2, 4, 5, 6});
    CHECK_THROWS_AS(every_other_kept(8, 0.6), ConfigError);
    CHECK(kept_layers_problem({0, 2}, 4) == std::nullopt);
    CHECK(kept_layers_problem({2, 0}, 4).has_value());
    CHECK(kept_layers_problem({0, 4}, 4).has_value());
    CHECK(kept_layers_problem({}, 4).has_value());
  }

  TEST_CASE("the pruned checkpoint is the full model with the removed layers skipped, exactly") {
    // DeepNorm's alpha depends on the depth: the pruned model keeps n_layers' constants.
    for (const char* block : {"type: deepnorm", "type: pre_ln"}) {
      INFO(block);
      auto full = model(block, "", 6);
      full->eval();
      const std::vector<int64_t> keep = every_other_kept(6, 0.5);
      full->set_kept_blocks(keep);
      Tensor expect = full->forward(ids());
      std::vector<std::pair<std::string, Tensor>> tensors;
      for (auto& [name, p] : full->named_parameters()) tensors.emplace_back(name, p->tensor);
      auto pruned = model(block, "keep_layers: [0, 2, 4], ", 6);
      pruned->eval();
      CHECK(pruned->num_blocks() == 3);
      load_model_weights(*pruned, prune_block_tensors(tensors, keep));
      CHECK(bitwise_equal(pruned->forward(ids()), expect));
      CHECK(bitwise_equal(pruned->parameter("blocks.1.attn.qkv.weight").tensor,
                          full->parameter("blocks.2.attn.qkv.weight").tensor));
      // Skipping changes the function (the test could fail).
      full->set_kept_blocks({});
      CHECK_FALSE(bitwise_equal(full->forward(ids()), expect));
    }
    CHECK_THROWS_WITH_AS(model("type: pre_ln", "keep_layers: [0, 9], ", 4), doctest::Contains("keep_layers"),
                         ConfigError);
  }
}
