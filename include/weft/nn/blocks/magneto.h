// defines: magneto_gamma, MagnetoBlock — Magneto / Sub-LayerNorm (Wang et al.
// 2022, "Foundation Transformers"; the Magneto paper): the pre-LN block plus one
// norm inside each branch, right before its output projection (width d in
// attention, d_ff in the FFN, after the activation dropout), and the DeepNet-
// derived init: every parameter of v, o, fc1, fc2 multiplied by γ (q, k untouched).
// The model's final norm stays (torchscale builds it for every pre-norm stack).
#pragma once

#include <memory>

#include "weft/nn/blocks/pre_ln.h"

namespace weft {

// γ of the paper's table (natural log): encoder/decoder √(log 2N);
// enc-dec encoder √(log(3M)·log(2N)/3); enc-dec decoder √(log 3M).
// depth = this stack's layers, partner_depth = the other stack's (enc-dec only).
double magneto_gamma(StackRole role, int64_t depth, int64_t partner_depth = 0);

// Registry hooks (`block: {type: magneto, ...}`): builds a PreLNBlock with
// sub_ln and the γ init.
struct MagnetoBlock {
  static Schema schema();
  static std::shared_ptr<Block> create(const LayerArgs& a);
};

}  // namespace weft
