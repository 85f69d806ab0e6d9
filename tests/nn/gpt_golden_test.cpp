// The gpt model with pre_ln blocks against golden values from an independent
// PyTorch implementation (scripts/gen_golden.py → tests/golden/gpt_tiny.json):
// loss, logits and parameter gradients, weights set by the same closed form.
#include <doctest/doctest.h>

#include "../support/golden_model.h"
#include "weft/nn/blocks/pre_ln.h"

using namespace weft;

TEST_SUITE("nn") {
  TEST_CASE("gpt + pre_ln forward and backward match the PyTorch golden values") {
    nlohmann::json g = test::load_golden("gpt_tiny.json");
    GPTConfig c = test::golden_config(g);
    auto param = make_standard_parameterization({c.d_model, c.n_layers, c.d_model / c.n_heads});
    // A named default (not a PreLNOptions{} temporary inside the lambda): GCC 12's
    // -Wmaybe-uninitialized misfires on the temporary's strings at -O3.
    static const PreLNOptions defaults;
    GPT model(
        c, param, [](const BlockContext& ctx) { return std::make_shared<PreLNBlock>(ctx, defaults); }, 7);
    test::set_golden_weights(model, g);
    test::check_golden_forward_backward(model, g);
  }
}
