// defines: BlockStackConfig, BlockStack, BlockBuilder — a stack of registered
// residual blocks: what every model is built from (gpt holds one; MEGABYTE a
// global and a local one). The stack owns its blocks (parameters
// `<name>.<k>.…`), LayerDrop (the LayerDrop paper: per-step draws keyed by seed,
// step and original layer index), inference-time pruning, the activation
// probes `<name>.<k>`, and its own parameterization: a stack's width and depth
// are its own, so CompleteP's m_N and m_L (base width and depth) are per stack,
// and so are the residual multiplier and every multiplier of the parameters
// inside it (param/multipliers.h reads scope_parameterization()).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/config/view.h"
#include "weft/nn/activation_probe.h"
#include "weft/nn/block.h"
#include "weft/nn/model.h"

namespace weft {

struct BlockStackConfig {
  std::string name = "blocks";  // its parameter prefix in the model and the probes' names
  int64_t d_model = 256;
  int64_t n_layers = 6;
  int64_t n_heads = 8;
  int64_t seq_len = 256;
  double layerdrop = 0.0;
  // A pruned stack: the original indices of the blocks it holds, built as
  // <name>.0.. with the depth constants of n_layers (empty = all n_layers).
  std::vector<int64_t> keep_layers;
  StackRole role = StackRole::decoder;
};

// Builds block i; given the context the stack fills in.
using BlockBuilder = std::function<std::shared_ptr<Block>(const BlockContext&)>;

// The builder of a registered block type from its validated section
// (`block: {type: ..., ...}`).
BlockBuilder registered_block_builder(const ResolvedView& block);

class BlockStack : public Module {
 public:
  // `param` is this stack's parameterization (built for its own width/depth);
  // `init` draws the blocks' initial weights in order; `dropout_gen` is the
  // model's dropout stream; `seed` keys LayerDrop.
  BlockStack(const BlockStackConfig& cfg, std::shared_ptr<Parameterization> param, const BlockBuilder& build,
             Generator& init, Generator* dropout_gen, uint64_t seed, std::string block_type = "");

  // x [B, T, d_model] → [B, T, d_model] through the blocks that run at `step`
  // (LayerDrop in training, pruning always); records `<name>.<k>` into `probe`.
  Tensor forward(const Tensor& x, int64_t step, ActivationProbe* probe = nullptr);

  int64_t size() const { return static_cast<int64_t>(blocks_.size()); }
  Block& block(int64_t k) { return *blocks_.at(static_cast<size_t>(k)); }
  // Whether block k runs at `step`: pruning, then (in training) the LayerDrop draw.
  bool block_runs(int64_t k, int64_t step) const;
  // Prunes to the given built-block indices (sorted; empty = all).
  void set_kept_blocks(const std::vector<int64_t>& keep);
  // The last block ends with a norm (post-LN family): no final norm needed.
  bool output_normalized() const { return blocks_.back()->output_normalized(); }

  const BlockStackConfig& config() const { return cfg_; }
  const Parameterization& parameterization() const { return *param_; }
  const Parameterization* scope_parameterization() const override { return param_.get(); }
  StackSummary summary() const;

 private:
  BlockStackConfig cfg_;
  std::shared_ptr<Parameterization> param_;
  std::string block_type_;
  uint64_t seed_;
  std::vector<std::shared_ptr<Block>> blocks_;
  std::vector<int64_t> block_layer_;  // the original layer index of each built block (LayerDrop's key)
  std::vector<bool> pruned_;
};

}  // namespace weft
