// defines: DeepNormConstants, deepnorm_constants, DeepNormBlock — DeepNet's
// post-LN block with an up-weighted skip, x_{l+1} = LN(α·x_l + G_l(x_l)), and
// Xavier-normal init with gain β on v, o, fc1, fc2 (q, k gain 1)
// (Wang et al. 2022, "DeepNet", Fig. 2 and Sec. 4; the DeepNet paper).
//
// Deviation from torchscale (following the paper, as the paper says): the
// encoder of an encoder-decoder uses β = 0.87·(N⁴M)^(−1/16) (torchscale: 1.15;
// `encdec_beta_coeff: 1.15` reproduces it), and a DeepNorm decoder is post-LN.
#pragma once

#include <memory>

#include "weft/nn/blocks/post_ln.h"

namespace weft {

struct DeepNormConstants {
  double alpha = 1.0;  // skip weight
  double beta = 1.0;   // init gain of v, o, fc1, fc2
};

// depth: this stack's number of layers (N for an encoder, M for a decoder);
// partner_depth: the other stack's (enc-dec roles only).
DeepNormConstants deepnorm_constants(StackRole role, int64_t depth, int64_t partner_depth = 0,
                                     double encdec_beta_coeff = 0.87);

// Registry hooks (`block: {type: deepnorm, ...}`): builds a PostLNBlock with α and β.
struct DeepNormBlock {
  static Schema schema();
  static std::shared_ptr<Block> create(const LayerArgs& a);
};

}  // namespace weft
