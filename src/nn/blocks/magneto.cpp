#include "weft/nn/blocks/magneto.h"

#include <cmath>

namespace weft {

double magneto_gamma(StackRole role, int64_t depth, int64_t partner_depth) {
  WEFT_CHECK(depth >= 1, ValueError, "magneto: depth ", depth, " must be >= 1");
  const double n = static_cast<double>(depth), m = static_cast<double>(partner_depth);
  switch (role) {
    case StackRole::encoder:
    case StackRole::decoder:
      return std::sqrt(std::log(2.0 * n));
    case StackRole::encdec_encoder:
      WEFT_CHECK(partner_depth >= 1, ValueError, "magneto: an enc-dec encoder needs the decoder depth");
      return std::sqrt(std::log(3.0 * m) * std::log(2.0 * n) / 3.0);
    case StackRole::encdec_decoder:
      return std::sqrt(std::log(3.0 * n));
  }
  return 1.0;
}

Schema MagnetoBlock::schema() {
  Schema s;
  add_common_block_options(s);
  add_role_option(s);
  add_auto_number_option(s, "gamma", "init gain γ of v, o, fc1, fc2 (auto: the Magneto table for the role and depth)");
  add_base_init_option(s, "torch_default");
  s.add_bool("scale_biases", true).help("γ also scales the biases of v, o, fc1, fc2 (torchscale)");
  s.add_bool("sub_ln", true).help("the inner norms (false: pre-LN with the γ init)");
  s.add_number("act_dropout", 0.0).range(0.0, 0.95).help("dropout on the FFN activations, before the inner norm");
  s.add_number("drop_path", 0.0)
      .range(0.0, 0.95)
      .help("stochastic depth: per-sample branch drop rate, spread linearly from 0 (first block) to this (last)");
  return s;
}

std::shared_ptr<Block> MagnetoBlock::create(const LayerArgs& a) {
  const ResolvedView& v = a.options;
  const BlockContext& c = a.ctx;
  PreLNOptions o = read_common_block_options(v);
  o.sub_ln = v.get<bool>("sub_ln");
  o.init.gain = read_auto_number(v, "gamma").value_or(magneto_gamma(read_role(v, c), c.shape.depth, c.partner_depth));
  o.init.gain_on_bias = v.get<bool>("scale_biases");
  o.init.base = read_base_init(v);
  o.mlp.act_dropout = v.get<double>("act_dropout");
  // torchscale: np.linspace(0, drop_path_rate, layers)[i].
  const double depth = static_cast<double>(c.shape.depth);
  o.drop_path = depth > 1 ? v.get<double>("drop_path") * static_cast<double>(c.layer_index) / (depth - 1.0) : 0.0;
  return std::make_shared<PreLNBlock>(c, o, v.at("attn"));
}

WEFT_REGISTER_LAYER(block, "magneto", MagnetoBlock,
                    "Magneto / Sub-LN: pre-LN plus a norm before each branch's output projection, gamma init");

}  // namespace weft
