// The gpt model with `sas` blocks and with pre_ln + `cat_causal` attention against
// golden values from independent, dense (no FFT) PyTorch implementations written
// from the SAS paper and §8 (scripts/gen_golden.py → tests/golden/sas_tiny.json,
// cat_causal_tiny.json): loss, logits and parameter gradients.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include "../support/golden_model.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/blocks/simplified.h"

using namespace weft;

namespace {

void check_variant(const std::string& file, const BlockBuilder& build) {
  nlohmann::json g = test::load_golden(file);
  GPTConfig c = test::golden_config(g);
  auto param = make_standard_parameterization({c.d_model, c.n_layers, c.d_model / c.n_heads});
  GPT model(c, param, build, 7);
  test::set_golden_weights(model, g);
  test::check_golden_forward_backward(model, g);
}

}  // namespace

TEST_SUITE("nn") {
  TEST_CASE("gpt + sas forward and backward match the PyTorch golden values") {
    check_variant("sas_tiny.json", [](const BlockContext& ctx) -> std::shared_ptr<Block> {
      SimplifiedBlockOptions o;  // the sas defaults
      o.mlp.activation = "relu";
      o.mlp.bias = false;
      o.shaped.trainable_value = ctx.layer_index == 0;
      return std::make_shared<SASBlock>(ctx, o);
    });
  }

  TEST_CASE("gpt + pre_ln with cat_causal attention matches the PyTorch golden values") {
    const ResolvedView attn(YAML::Load("{type: cat_causal, z_cap: 10.0, zeta_dropout: 0.0, alter_every: 0}"));
    const PreLNOptions pre;
    check_variant("cat_causal_tiny.json", [&](const BlockContext& ctx) -> std::shared_ptr<Block> {
      return std::make_shared<PreLNBlock>(ctx, pre, attn);
    });
  }
}
