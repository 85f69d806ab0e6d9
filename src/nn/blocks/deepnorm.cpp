#include "weft/nn/blocks/deepnorm.h"

#include <cmath>

namespace weft {

DeepNormConstants deepnorm_constants(StackRole role, int64_t depth, int64_t partner_depth, double encdec_beta_coeff) {
  WEFT_CHECK(depth >= 1, ValueError, "deepnorm: depth ", depth, " must be >= 1");
  const double n = static_cast<double>(depth), m = static_cast<double>(partner_depth);
  switch (role) {
    case StackRole::encoder:
    case StackRole::decoder:
      return {std::pow(2.0 * n, 0.25), std::pow(8.0 * n, -0.25)};
    case StackRole::encdec_encoder:
      WEFT_CHECK(partner_depth >= 1, ValueError, "deepnorm: an enc-dec encoder needs the decoder depth");
      return {0.81 * std::pow(n * n * n * n * m, 1.0 / 16.0),
              encdec_beta_coeff * std::pow(n * n * n * n * m, -1.0 / 16.0)};
    case StackRole::encdec_decoder:
      return {std::pow(3.0 * n, 0.25), std::pow(12.0 * n, -0.25)};
  }
  return {};
}

Schema DeepNormBlock::schema() {
  Schema s;
  add_common_block_options(s);
  add_role_option(s);
  add_auto_number_option(s, "alpha", "skip weight α (auto: the DeepNet table for the role and depth)");
  add_auto_number_option(s, "beta", "init gain β of v, o, fc1, fc2 (auto: the DeepNet table)");
  s.add_number("encdec_beta_coeff", 0.87)
      .min(0.0, true)
      .max(10.0)
      .help("β coefficient of an enc-dec encoder: 0.87 (paper); 1.15 reproduces torchscale");
  add_base_init_option(s, "xavier_normal");
  s.add_bool("sub_ln", false).help("must stay false: DeepNorm and Sub-LN are mutually exclusive (use magneto)");
  s.add_check([](const ResolvedView& v, Reporter& r) {
    if (v.get<bool>("sub_ln"))
      r.error("sub_ln",
              "DeepNorm and Sub-LN are mutually exclusive (DeepNorm is post-LN; Sub-LN is pre-LN with "
              "inner norms): use block.type: magneto for Sub-LN");
  });
  return s;
}

std::shared_ptr<Block> DeepNormBlock::create(const LayerArgs& a) {
  const ResolvedView& v = a.options;
  const DeepNormConstants auto_c = deepnorm_constants(read_role(v, a.ctx), a.ctx.shape.depth, a.ctx.partner_depth,
                                                      v.get<double>("encdec_beta_coeff"));
  PostLNOptions o;
  o.common = read_common_block_options(v);
  o.skip_weight = read_auto_number(v, "alpha").value_or(auto_c.alpha);
  o.common.init.gain = read_auto_number(v, "beta").value_or(auto_c.beta);
  o.common.init.base = read_base_init(v);
  return std::make_shared<PostLNBlock>(a.ctx, o, v.at("attn"));
}

WEFT_REGISTER_LAYER(block, "deepnorm", DeepNormBlock,
                    "DeepNorm (DeepNet): LN(alpha*x + G(x)) per sub-layer, Xavier init with gain beta on v/o/fc1/fc2");

}  // namespace weft
