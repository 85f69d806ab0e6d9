// post_ln, deepnorm, magneto and macaron blocks in the gpt model against golden
// values from an independent PyTorch implementation of the papers' equations
// (scripts/gen_golden.py blocks → tests/golden/blocks_tiny.json): loss, logits
// and parameter gradients, weights set by the same closed form as gpt_tiny.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/block_fixture.h"
#include "../support/test_util.h"

using namespace weft;
using namespace weft::test;

TEST_SUITE("nn_blocks") {
  TEST_CASE("post_ln, deepnorm, magneto, macaron forward and backward match the PyTorch golden values") {
    std::ifstream f(std::string(WEFT_SOURCE_DIR) + "/tests/golden/blocks_tiny.json");
    REQUIRE(f.good());
    const nlohmann::json g = nlohmann::json::parse(f);
    const auto& c = g["config"];
    std::vector<int64_t> ids, tg;
    for (auto& row : g["ids"])
      for (auto& x : row) ids.push_back(x);
    for (auto& row : g["targets"])
      for (auto& x : row) tg.push_back(x);
    const int64_t B = c["batch"], T = c["seq_len"], V = c["vocab"];
    for (auto& [kind, gk] : g["blocks"].items()) {
      INFO(kind);
      Recipe r = recipe_from_model("d_model: " + c["d_model"].dump() + ", n_heads: " + c["n_heads"].dump() +
                                   ", n_layers: " + c["n_layers"].dump() + ", seq_len: " + c["seq_len"].dump() +
                                   ", block: {type: " + kind + "}");
      auto model = build_language_model(r.view(), V);
      auto params = model->named_parameters();
      REQUIRE(params.size() == gk["param_order"].size());
      for (size_t k = 0; k < params.size(); ++k) {
        CHECK(params[k].first == gk["param_order"][k].get<std::string>());
        const bool gain = params[k].second->role == ParamRole::norm_gain;
        Tensor& t = params[k].second->tensor;
        std::vector<float> v(static_cast<size_t>(t.numel()));
        for (size_t i = 0; i < v.size(); ++i)
          v[i] = static_cast<float>((gain ? 1.0 : 0.0) + 0.1 * std::sin(1.3 * double(i) + 0.7 * double(k + 1)));
        t.copy_(Tensor::from_vector(v, t.shape()));
      }
      Tensor logits = model->forward(Tensor::from_vector(ids, {B, T}));
      std::vector<double> first_row = logits.to_vector<double>();
      first_row.resize(static_cast<size_t>(V));
      check_close(first_row, gk["logits_first_row"].get<std::vector<double>>(), 1e-4, "logits[0, 0]");
      Tensor loss = softmax_cross_entropy(logits, Tensor::from_vector(tg, {B, T}));
      CHECK(loss.item() == doctest::Approx(gk["loss"].get<double>()).epsilon(1e-5));
      loss.backward();
      for (auto& [name, expect] : gk["grads"].items()) {
        auto got = model->parameter(name).tensor.grad().to_vector<double>();
        const auto want = expect.get<std::vector<double>>();
        const double scale = test::max_abs(want);  // NaN for a non-finite golden
        check_close(got, want, 1e-4 * std::max(scale, 1e-3), name.c_str());
      }
    }
  }
}
