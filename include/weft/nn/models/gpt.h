// defines: GPT — decoder-only language model over tokens or bytes: token
// embedding + learned positions, N registered blocks, final norm, output head
// (tied to the token embedding or untied).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "weft/nn/block.h"
#include "weft/nn/block_stack.h"
#include "weft/nn/language_model.h"
#include "weft/nn/layers/embedding.h"
#include "weft/nn/layers/linear.h"
#include "weft/nn/layers/norms.h"

namespace weft {

struct GPTConfig {
  int64_t vocab = 256;
  int64_t d_model = 256;
  int64_t n_layers = 6;
  int64_t n_heads = 8;
  int64_t seq_len = 256;
  bool tie_embeddings = true;
  double embed_dropout = 0.0;
  std::string final_norm = "layernorm";  // not built when the blocks end normalised (post-LN family)
  double layerdrop = 0.0;  // LayerDrop probability per block and training step (the LayerDrop paper)
  // A pruned model: the original indices of the blocks it holds, built as
  // blocks.0.. with the depth constants of n_layers (empty = all n_layers).
  std::vector<int64_t> keep_layers;
};

class GPT : public LanguageModel {
 public:
  GPT(const GPTConfig& cfg, std::shared_ptr<Parameterization> param, const BlockBuilder& build_block,
      uint64_t init_seed, std::string block_type = "");
  // ids [B, T] (i64, T ≤ seq_len) → logits [B, T, vocab]
  Tensor forward(const Tensor& ids) override;
  // forward() of positions pos0 .. pos0+T−1 (pos0 + T ≤ seq_len): the decoding
  // hook; with KV-cached attention the blocks see only these new positions.
  Tensor forward_positions(const Tensor& ids, int64_t pos0);
  // A KV-cached decoder when every block mixes positions only in attention that
  // supports a cache, else the recomputing one (gpt_decoding.cpp). A full cache
  // restarts from the last seq_len/2 tokens (learned absolute positions cannot slide).
  std::unique_ptr<TokenDecoder> start_decoding() override;
  Tensor loss(const Tensor& x, const Tensor& y) override;
  int64_t context_length() const override { return cfg_.seq_len; }
  int64_t vocab_size() const override { return cfg_.vocab; }
  // 6·N_params + 12·L·d·T (Kaplan et al. 2020; PaLM App. B).
  double flops_per_token() const override;
  Generator& dropout_generator() override { return dropout_gen_; }
  int64_t num_blocks() const override { return blocks_->size(); }
  void set_kept_blocks(const std::vector<int64_t>& keep) override { blocks_->set_kept_blocks(keep); }
  // Whether block k runs in the next forward: pruning, then (in training) the
  // LayerDrop draw of the current step.
  bool block_runs(int64_t k) const { return blocks_->block_runs(k, step_); }
  std::vector<StackSummary> stacks() const override { return {blocks_->summary()}; }
  const GPTConfig& config() const { return cfg_; }
  const Parameterization& parameterization() const override { return *param_; }

  // Registry hooks (`model: {type: gpt, ...}`).
  static Schema schema();
  static std::shared_ptr<Model> create(const ModelArgs& a);

 private:
  GPTConfig cfg_;
  std::shared_ptr<Parameterization> param_;
  Generator dropout_gen_;
  std::shared_ptr<Embedding> tok_, pos_;
  std::shared_ptr<BlockStack> blocks_;
  std::shared_ptr<Module> ln_f_;
  std::shared_ptr<Linear> head_;
};

}  // namespace weft
