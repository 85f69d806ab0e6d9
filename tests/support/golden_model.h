// Golden-value checks of a whole gpt model against an independent PyTorch
// implementation (scripts/gen_golden.py → tests/golden/*.json): the weights are set
// by the same closed form on both sides, then logits, loss and parameter gradients
// are compared.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "weft/nn/models/gpt.h"
#include "weft/ops/ops.h"
#include "test_util.h"

namespace weft::test {

inline nlohmann::json load_golden(const std::string& file) {
  std::ifstream f(std::string(WEFT_SOURCE_DIR) + "/tests/golden/" + file);
  REQUIRE(f.good());
  return nlohmann::json::parse(f);
}

inline GPTConfig golden_config(const nlohmann::json& g) {
  GPTConfig c;
  c.vocab = g["config"]["vocab"];
  c.d_model = g["config"]["d_model"];
  c.n_heads = g["config"]["n_heads"];
  c.n_layers = g["config"]["n_layers"];
  c.seq_len = g["config"]["seq_len"];
  return c;
}

// w[i] = base + 0.1·sin(1.3·i + 0.7·(k + 1)) for the k-th parameter in weft's order;
// base from the file's "param_base", else 1 for norm gains and 0 otherwise.
inline void set_golden_weights(Module& model, const nlohmann::json& g) {
  auto params = model.named_parameters();
  REQUIRE(params.size() == g["param_order"].size());
  for (size_t k = 0; k < params.size(); ++k) {
    const std::string& name = params[k].first;
    CHECK(name == g["param_order"][k].get<std::string>());
    double base = 0.0;
    if (g.contains("param_base")) {
      base = g["param_base"][k].get<double>();
    } else {
      const bool norm_gain = name.size() > 6 && name.substr(name.size() - 6) == "weight" &&
                             (name.find("ln1") != std::string::npos || name.find("ln2") != std::string::npos ||
                              name.find("ln_f") != std::string::npos);
      base = norm_gain ? 1.0 : 0.0;
    }
    Tensor& t = params[k].second->tensor;
    std::vector<float> v(static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = static_cast<float>(base + 0.1 * std::sin(1.3 * double(i) + 0.7 * double(k + 1)));
    t.copy_(Tensor::from_vector(v, t.shape()));
  }
}

// A gradient matches its golden value to 1e-4 of its scale (at least 1e-3);
// never on a NaN or Inf on either side.
inline bool golden_grad_ok(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return false;
  const double scale = max_abs(want), err = max_abs_diff(got, want);
  return err <= 1e-4 * (scale > 1e-3 ? scale : 1e-3) && !std::isnan(scale);
}

// Forward on the file's ids, loss against its targets, backward; logits and loss to
// 1e-4 / 1e-5 relative, every listed gradient to 1e-4 of its scale.
inline void check_golden_forward_backward(GPT& model, const nlohmann::json& g) {
  std::vector<int64_t> ids, tg;
  for (auto& row : g["ids"])
    for (auto& x : row) ids.push_back(x);
  for (auto& row : g["targets"])
    for (auto& x : row) tg.push_back(x);
  const int64_t B = g["config"]["batch"], T = g["config"]["seq_len"], V = g["config"]["vocab"];
  Tensor logits = model.forward(Tensor::from_vector(ids, {B, T}));
  auto row = logits.to_vector<double>();
  for (int64_t j = 0; j < V; ++j)
    CHECK(row[j] == doctest::Approx(g["logits_first_row"][j].get<double>()).epsilon(1e-4));
  Tensor loss = softmax_cross_entropy(logits, Tensor::from_vector(tg, {B, T}));
  CHECK(loss.item() == doctest::Approx(g["loss"].get<double>()).epsilon(1e-5));
  loss.backward();
  for (auto& [name, expect] : g["grads"].items()) {
    const auto got = model.parameter(name).tensor.grad().to_vector<double>();
    const auto want = expect.get<std::vector<double>>();
    const double scale = max_abs(want), err = max_abs_diff(got, want);
    INFO(name << ": max abs error " << err << " at gradient scale " << scale << " (NaN: a non-finite value)");
    CHECK(golden_grad_ok(got, want));
  }
}

}  // namespace weft::test
