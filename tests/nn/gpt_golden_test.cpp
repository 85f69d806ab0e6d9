// The gpt model with pre_ln blocks against golden values from an independent
// PyTorch implementation (scripts/gen_golden.py → tests/golden/gpt_tiny.json):
// loss, logits and parameter gradients, weights set by the same closed form.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/models/gpt.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("nn") {
  TEST_CASE("gpt + pre_ln forward and backward match the PyTorch golden values") {
    std::ifstream f(std::string(WEFT_SOURCE_DIR) + "/tests/golden/gpt_tiny.json");
    REQUIRE(f.good());
    nlohmann::json g = nlohmann::json::parse(f);
    GPTConfig c;
    c.vocab = g["config"]["vocab"];
    c.d_model = g["config"]["d_model"];
    c.n_heads = g["config"]["n_heads"];
    c.n_layers = g["config"]["n_layers"];
    c.seq_len = g["config"]["seq_len"];
    auto param = make_standard_parameterization({c.d_model, c.n_layers, c.d_model / c.n_heads});
    GPT model(c, param, [](const BlockContext& ctx) { return std::make_shared<PreLNBlock>(ctx, PreLNOptions{}); }, 7);

    auto params = model.named_parameters();
    REQUIRE(params.size() == g["param_order"].size());
    for (size_t k = 0; k < params.size(); ++k) {
      const std::string& name = params[k].first;
      CHECK(name == g["param_order"][k].get<std::string>());
      const bool gain = name.size() > 6 && name.substr(name.size() - 6) == "weight" &&
                        (name.find("ln1") != std::string::npos || name.find("ln2") != std::string::npos ||
                         name.find("ln_f") != std::string::npos);
      Tensor& t = params[k].second->tensor;
      std::vector<float> v(static_cast<size_t>(t.numel()));
      for (size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<float>((gain ? 1.0 : 0.0) + 0.1 * std::sin(1.3 * double(i) + 0.7 * double(k + 1)));
      t.copy_(Tensor::from_vector(v, t.shape()));
    }
    std::vector<int64_t> ids, tg;
    for (auto& row : g["ids"])
      for (auto& x : row) ids.push_back(x);
    for (auto& row : g["targets"])
      for (auto& x : row) tg.push_back(x);
    const int64_t B = g["config"]["batch"], T = c.seq_len;
    Tensor logits = model.forward(Tensor::from_vector(ids, {B, T}));
    auto row = logits.to_vector<double>();
    for (int64_t j = 0; j < c.vocab; ++j) CHECK(row[j] == doctest::Approx(g["logits_first_row"][j].get<double>()).epsilon(1e-4));
    Tensor loss = softmax_cross_entropy(logits, Tensor::from_vector(tg, {B, T}));
    CHECK(loss.item() == doctest::Approx(g["loss"].get<double>()).epsilon(1e-5));
    loss.backward();
    for (auto& [name, expect] : g["grads"].items()) {
      auto got = model.parameter(name).tensor.grad().to_vector<double>();
      REQUIRE(got.size() == expect.size());
      double scale = 0, err = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        scale = std::max(scale, std::abs(expect[i].get<double>()));
        err = std::max(err, std::abs(got[i] - expect[i].get<double>()));
      }
      INFO(name << ": max abs error " << err << " at gradient scale " << scale);
      CHECK(err <= 1e-4 * std::max(scale, 1e-3));
    }
  }
}
