// defines: StackRole, BlockContext, Block — the interface every residual block
// type implements (pre_ln, post_ln, deepnorm, magneto, macaron, sas, ...), so a
// model swaps its block from the recipe through the registry — and the option
// helpers block schemas share (layerdrop, role, `auto | <number>` values).
#pragma once

#include <optional>
#include <string>

#include "weft/config/schema.h"
#include "weft/nn/module.h"
#include "weft/param/parameterization.h"

namespace weft {

// Which stack a block sits in: Magneto's γ and DeepNorm's α/β depend on it
// (the Magneto and DeepNet papers tables).
enum class StackRole : uint8_t { encoder, decoder, encdec_encoder, encdec_decoder };

// What a block needs from the model that builds it.
struct BlockContext {
  const Parameterization* param = nullptr;
  ModelShape shape;          // width, depth, d_head of the whole model
  int64_t layer_index = 0;   // 0-based
  int64_t n_heads = 1;
  int64_t seq_len = 0;
  Generator* init_gen = nullptr;     // parameter initialisation stream
  Generator* dropout_gen = nullptr;  // dropout stream (checkpointed by the trainer)
  StackRole stack = StackRole::decoder;  // gpt: decoder-only
  int64_t partner_depth = 0;  // encoder-decoder models: the other stack's depth (N for the decoder, M for the encoder)
};

// Adds `layerdrop` (LayerDrop, the LayerDrop paper: probability of skipping the whole
// block in a training step; the model applies it) to a block type's schema.
// Every block type's schema calls this once.
void add_layerdrop_option(Schema& block_schema);

// `role: auto | encoder | decoder | encdec_encoder | encdec_decoder` (auto = what
// the model says), and its value for a block built in `ctx`. An enc-dec role in
// a model without a partner stack is a ConfigError naming the key.
void add_role_option(Schema& block_schema);
StackRole read_role(const ResolvedView& block, const BlockContext& ctx);

// An option that is `auto` or a number > 0 (Magneto `gamma`, DeepNorm `alpha`,
// `beta`); validated by a schema check naming the key. nullopt = auto.
void add_auto_number_option(Schema& block_schema, const std::string& name, const std::string& help);
std::optional<double> read_auto_number(const ResolvedView& block, const std::string& name);

// `base_init: torch_default | xavier_normal | param`: the base distribution of
// the block's projections before the γ/β gain (the Magneto and DeepNet papers; `param` = the
// parameterization's N(0, std²), as in pre_ln).
void add_base_init_option(Schema& block_schema, const std::string& default_base);
InitBase read_base_init(const ResolvedView& block);

class Block : public Module {
 public:
  // x [B, T, d_model] → [B, T, d_model]
  virtual Tensor forward(const Tensor& x) = 0;
  // True when the block ends with a norm (post-LN family): the model then adds
  // no final norm of its own (the DeepNet paper: "no final LN (post-norm stack)").
  virtual bool output_normalized() const { return false; }
  // True when every part of the block other than its Attention modules works
  // position by position (norms, MLPs, residuals; dropout is off in eval): a
  // model may then decode it incrementally with KV-cached attention
  // (nn/decoding.h). The default is the safe answer: recompute.
  virtual bool mixes_positions_only_in_attention() const { return false; }
};

}  // namespace weft
