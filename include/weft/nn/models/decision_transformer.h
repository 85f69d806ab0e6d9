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
// Elastic DT (`elastic: {enabled: true}`; Wu, Wang, Hamaya 2023) on the same
// network: step t is (s_t, R̂_t, a_t) at 3t, 3t+1, 3t+2; the return input is
// its bin index (num_bins bins over the data's RTG range) mapped to [−1, 1];
// from the STATE token a return-bin classifier (CE) and R̃, the maximal
// achievable return, by expectile regression |τ − 1[u<0]|·u², u = R̂ − R̃; the
// action from the RETURN token; the next state from [h_R, â] (MSE). The
// rollout searches over history lengths (rl/elastic_search.h).
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

struct ElasticConfig {
  bool enabled = false;
  int64_t num_bins = 60, search_stride = 2;
  double tau = 0.99, expectile_weight = 0.5, bin_weight = 0.001, state_weight = 1.0;
};

// The keys of `model.elastic` (decision_transformer_elastic.cpp).
Schema elastic_schema();

class DecisionTransformer : public Model, public SequencePolicy {
 public:
  static Schema schema();
  static std::shared_ptr<Model> create(const ModelArgs& a);

  DecisionTransformer(const DecisionTransformerConfig& cfg, const ElasticConfig& edt, const TrajectorySpec& spec,
                      const ModelArgs& a);

  // The embedded, normalised token sequence [B, 3K, d] (before the stack).
  Tensor embed(const Batch& b);
  // The stack's output in the window's token order [B, 3K, d].
  Tensor hidden(const Batch& b);
  Tensor predict_actions(const Batch& b) override;
  const TrajectorySpec& trajectory_spec() const override { return spec_; }
  int64_t search_stride() const override { return edt_.enabled ? edt_.search_stride : 0; }
  Tensor estimate_returns(const Batch& b) override;
  // Elastic DT's return input: the bin of each scaled RTG, mapped to [−1, 1].
  std::vector<double> return_bins(const std::vector<double>& rtg) const;

  // Elastic DT's terms, each unweighted: expectile, return-bin CE, next-state MSE.
  struct ElasticTerms {
    Tensor expectile, bins, state;
  };
  ElasticTerms elastic_terms(const Batch& b, const Tensor& h, const Tensor& action_pred);
  int64_t context_length() const override { return cfg_.context_K; }
  double flops_per_unit() const override;
  Generator& dropout_generator() override { return dropout_gen_; }
  const Parameterization& parameterization() const override { return *param_; }
  std::vector<StackSummary> stacks() const override { return {stack_->summary()}; }
  int64_t num_blocks() const override { return stack_->size(); }
  void set_kept_blocks(const std::vector<int64_t>& keep) override { stack_->set_kept_blocks(keep); }

 private:
  Tensor action_loss(const Batch& b, const Tensor& pred);
  Tensor compute_loss(const Batch& b) override;
  Tensor action_head(const Tensor& h);

  DecisionTransformerConfig cfg_;
  ElasticConfig edt_;
  TrajectorySpec spec_;
  Generator dropout_gen_;
  std::shared_ptr<Parameterization> param_;
  std::shared_ptr<Linear> ret_, state_, act_lin_, head_;
  std::shared_ptr<Linear> bin_head_, rmax_head_, next_state_head_;  // Elastic DT
  std::shared_ptr<Embedding> act_emb_, time_;
  std::shared_ptr<Module> ln_embed_, ln_f_;
  std::shared_ptr<BlockStack> stack_;
};

}  // namespace weft
