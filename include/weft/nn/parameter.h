// defines: ParamRole, Parameter — a trainable tensor plus the role that decides
// its initialisation, learning-rate / weight-decay / epsilon multipliers (param/).
#pragma once

#include <string>
#include <string_view>

#include "weft/core/tensor.h"

namespace weft {

// What a parameter is, for the parameterization (SP/µP/CompleteP, the CompleteP paper)
// and the optimizer's default groups (no decay on embeddings, norms, biases, gains).
enum class ParamRole : uint8_t {
  embedding,      // token/position embeddings (input layer)
  hidden_weight,  // matrices inside blocks
  hidden_bias,    // biases inside blocks
  norm_gain,      // LayerNorm/RMSNorm weight
  norm_bias,      // LayerNorm bias
  gain,           // scalar or per-head gains (shaped attention, residual gains)
  output,         // untied output head
};

std::string_view role_name(ParamRole r);
// Parse "embedding", "hidden_weight", ... ; throws ValueError.
ParamRole parse_role(std::string_view s);

struct Parameter {
  Tensor tensor;  // leaf, requires_grad
  ParamRole role = ParamRole::hidden_weight;
  // Multipliers set by the parameterization once the model is built
  // (param/multipliers.h: assign_multipliers); the optimizer applies them. They
  // are derived from the recipe, never stored in a checkpoint.
  double lr_mult = 1.0;
  double wd_mult = 1.0;
  double eps_mult = 1.0;
  // The std of the distribution it was initialised from (param/: init_std_of;
  // 0 for constants such as norm gains), for `weft inspect`. A fused qkv whose
  // value columns carry a block's init gain (Magneto, DeepNorm) reports q/k's.
  double init_std = 0.0;
};

}  // namespace weft
