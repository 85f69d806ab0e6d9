// ActivationProbe: what a gpt forward records, in order, and that the numbers
// are the mean |x| of the tensors the forward produced.
#include <doctest/doctest.h>

#include <cmath>

#include "../support/test_util.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/models/gpt.h"
#include "weft/ops/ops.h"

using namespace weft;

TEST_SUITE("nn") {
  TEST_CASE("an activation probe records embed, every block output and the logits of a gpt forward") {
    GPTConfig c;
    c.vocab = 11;
    c.d_model = 16;
    c.n_heads = 2;
    c.n_layers = 3;
    c.seq_len = 6;
    auto param = make_standard_parameterization({c.d_model, c.n_layers, c.d_model / c.n_heads});
    GPT model(
        c, param, [](const BlockContext& ctx) { return std::make_shared<PreLNBlock>(ctx, PreLNOptions{}); }, 3);
    Tensor ids = Tensor::from_vector(std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1}, {2, 6});
    ActivationProbe probe;
    model.set_activation_probe(&probe);
    Tensor logits = model.forward(ids);
    const auto& v = probe.values();
    REQUIRE(v.size() == 5);
    const char* names[] = {"embed", "blocks.0", "blocks.1", "blocks.2", "logits"};
    for (size_t i = 0; i < v.size(); ++i) {
      CHECK(v[i].first == names[i]);
      CHECK(v[i].second > 0);
    }
    double s = 0;
    for (double x : logits.to_vector<double>()) s += std::abs(x);
    CHECK(v.back().second == doctest::Approx(s / static_cast<double>(logits.numel())).epsilon(1e-6));
    // the embedding output is token + position rows
    Tensor emb =
        add(embedding(model.parameter("tok_emb.weight").tensor, ids), model.parameter("pos_emb.weight").tensor);
    CHECK(v.front().second == doctest::Approx(mean(abs(emb)).item()).epsilon(1e-6));
    // detached: the probe leaves the graph alone, and nothing is recorded without it
    model.set_activation_probe(nullptr);
    probe.clear();
    Tensor again = model.forward(ids);
    CHECK(probe.values().empty());
    CHECK(test::bitwise_equal(again, logits));
  }
}
