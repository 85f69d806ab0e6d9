// defines: BlockContext, Block — the interface every residual block type
// implements (pre_ln here; post_ln, deepnorm, magneto, macaron, sas, ... later),
// so a model swaps its block from the recipe through the registry.
#pragma once

#include "weft/config/schema.h"
#include "weft/nn/module.h"
#include "weft/param/parameterization.h"

namespace weft {

// What a block needs from the model that builds it.
struct BlockContext {
  const Parameterization* param = nullptr;
  ModelShape shape;          // width, depth, d_head of the whole model
  int64_t layer_index = 0;   // 0-based
  int64_t n_heads = 1;
  int64_t seq_len = 0;
  Generator* init_gen = nullptr;     // parameter initialisation stream
  Generator* dropout_gen = nullptr;  // dropout stream (checkpointed by the trainer)
};

// Adds `layerdrop` (LayerDrop, variants.md §9: probability of skipping the whole
// block in a training step; the model applies it) to a block type's schema.
// Every block type's schema calls this once.
void add_layerdrop_option(Schema& block_schema);

class Block : public Module {
 public:
  // x [B, T, d_model] → [B, T, d_model]
  virtual Tensor forward(const Tensor& x) = 0;
};

}  // namespace weft
