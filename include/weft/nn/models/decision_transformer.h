// defines: DecisionTransformer — `model.type: decision_transformer` (Chen et
// al. 2021, the gym code's layout; the Decision Transformer paper). Step t of a window is the
// three tokens (R̂_t, s_t, a_t) at 3t, 3t+1, 3t+2, each its own linear
// embedding (discrete actions: an embedding table) plus the absolute timestep
// embedding ω_t; LayerNorm on the embeddings; no positional table; a causal
// BlockStack of registered blocks; the action of step t is read from the STATE
// token (so it sees R̂_≤t, s_≤t, a_<t): tanh(Linear) for continuous actions
// (MSE), logits for discrete ones (cross-entropy), both over real steps only.
// `condition_on_return: false` zeroes the RTG input: behaviour cloning with the
// same network.
//
// Left padding without an attention mask: each row's tokens are rotated so
// its real steps come first, the causal stack runs, and the outputs are rotated
// back. With no positional table this is exactly masked attention (a real
// token sees only earlier real tokens), and pad tokens influence nothing.
#pragma once

#include "weft/nn/block_stack.h"
#include "weft/nn/layers/embedding.h"
#include "weft/nn/layers/linear.h"
#include "weft/nn/model.h"
#include "weft/rl/sequence_policy.h"

namespace weft {

struct DecisionTransformerConfig {
  int64_t context_K = 20, d_model = 128, n_layers = 3, n_heads = 1;
  double embed_dropout = 0.1;
  bool condition_on_return = true, action_tanh = true;
  int64_t max_ep_len = 1000;
};

class DecisionTransformer : public Model, public SequencePolicy {
 public:
  static Schema schema();
  static std::shared_ptr<Model> create(const ModelArgs& a);

  DecisionTransformer(const DecisionTransformerConfig& cfg, const TrajectorySpec& spec, const ModelArgs& a);

  // The embedded, normalised token sequence [B, 3K, d] (before the stack).
  Tensor embed(const Batch& b);
  // The stack's output in the window's token order [B, 3K, d].
  Tensor hidden(const Batch& b);
  Tensor predict_actions(const Batch& b) override;
  const TrajectorySpec& trajectory_spec() const override { return spec_; }

  Tensor loss(const Batch& b) override;
  int64_t context_length() const override { return cfg_.context_K; }
  double flops_per_unit() const override;
  Generator& dropout_generator() override { return dropout_gen_; }
  const Parameterization& parameterization() const override { return *param_; }
  std::vector<StackSummary> stacks() const override { return {stack_->summary()}; }
  int64_t num_blocks() const override { return stack_->size(); }
  void set_kept_blocks(const std::vector<int64_t>& keep) override { stack_->set_kept_blocks(keep); }

 private:
  DecisionTransformerConfig cfg_;
  TrajectorySpec spec_;
  Generator dropout_gen_;
  std::shared_ptr<Parameterization> param_;
  std::shared_ptr<Linear> ret_, state_, act_lin_, head_;
  std::shared_ptr<Embedding> act_emb_, time_;
  std::shared_ptr<Module> ln_embed_, ln_f_;
  std::shared_ptr<BlockStack> stack_;
};

}  // namespace weft
