// defines: MegabyteConfig, Megabyte — MEGABYTE (Yu et al. 2023), a byte
// language model in two levels: a global decoder over patches of P bytes
// (width P·D_G, causal over patches) and a local decoder inside each patch
// (width D_L, causal over its P bytes), both BlockStacks of registered blocks.
//
//   e_t        = E_G[x_t] + E_pos[t]                              (D_G)
//   gin_0      = global pad (P·D_G);  gin_k = concat(e_{(k−1)P..kP−1})
//   gout       = norm(global stack(gin))                          (K × P·D_G)
//   lin_{k,p}  = gout_k[p·D_G..(p+1)·D_G] · W_GL + (p = 0 ? local pad : E_L[x_{kP+p−1}])
//   logits_k   = norm(local stack(lin_k)) · E_Lᵀ (or an untied head)
//
// The global input is shifted by one whole patch, the local one by one byte
// inside the patch, so the first byte of a patch is predicted from the global
// output alone (not from the previous patch's local pass, as a popular port
// does). W_GL is one matrix shared by every position p. local_model = false is
// the paper's ablation without the local stack: logits from norm(u_{k,p}) alone.
//
// weft's convention (logits[t] predict ids[t+1]) is the paper's position t+1:
// forward() runs bytes 0..T, padded to whole patches (any T), and keeps the
// logits of positions 1..T; the padded positions never enter the loss.
#pragma once

#include <memory>

#include "weft/nn/block_stack.h"
#include "weft/nn/language_model.h"
#include "weft/nn/layers/embedding.h"
#include "weft/nn/layers/linear.h"

namespace weft {

struct MegabyteStackConfig {
  int64_t d_model = 256;  // the global stack's is P·D_G
  int64_t n_layers = 2;
  int64_t n_heads = 4;
  double layerdrop = 0.0;
};

struct MegabyteConfig {
  int64_t vocab = 256;
  int64_t patch = 4;  // P
  int64_t seq_len = 1024;
  MegabyteStackConfig global, local;
  // −1: the pads are trainable vectors of their own; a byte id: the pads are
  // that byte's embeddings (the paper's pseudocode, for data that reserves it).
  int64_t pad_id = -1;
  bool tie_local_unembed = true;
  // false: the paper's "no local model" ablation (Yu et al. 2023, the component
  // ablation on arXiv: bpb 1.263 vs 0.678): no local stack; byte p of patch k is predicted
  // from gout_k's slice p alone (W_GL, a LayerNorm, the unembedding), so it sees
  // no earlier byte of its own patch.
  bool local_model = true;

  int64_t d_g() const { return global.d_model / patch; }
  // Patches of bytes 0..seq_len (the last input byte's successor included).
  int64_t max_patches() const { return (seq_len + patch) / patch; }
};

class MegabytePatchEmbedder;  // megabyte.cpp: E_G, E_pos, the global pad (global scope)

class Megabyte : public LanguageModel {
 public:
  Megabyte(const MegabyteConfig& cfg, std::shared_ptr<Parameterization> global_param,
           std::shared_ptr<Parameterization> local_param, const BlockBuilder& global_block,
           const BlockBuilder& local_block, uint64_t init_seed, std::string global_type = "",
           std::string local_type = "");
  ~Megabyte() override;

  // ids [B, T] (i64, T ≤ seq_len) → logits [B, T, vocab]
  Tensor forward(const Tensor& ids) override;
  Tensor loss(const Tensor& x, const Tensor& y) override;
  int64_t context_length() const override { return cfg_.seq_len; }
  int64_t vocab_size() const override { return cfg_.vocab; }
  // 6·(N_outside_global + N_global/P) + 12·(L_G·D_G·K + L_L·D_L·P): the global
  // stack runs once per patch, the local one once per byte.
  double flops_per_token() const override;
  Generator& dropout_generator() override { return dropout_gen_; }
  std::vector<StackSummary> stacks() const override {
    if (!local_) return {global_->summary()};
    return {global_->summary(), local_->summary()};
  }
  // The local stack's: the embeddings and head outside the global scope.
  const Parameterization& parameterization() const override { return *local_param_; }
  // Patch-wise decoding: one cached global step per patch, then P cached local
  // steps (megabyte_decoding.cpp); recomputes when a block cannot cache.
  std::unique_ptr<TokenDecoder> start_decoding() override;
  // The paper's strided inference (Sec. 5.2): a second pass over ids[P/2..]
  // moves the patch boundaries by half a patch; every position takes the pass
  // that puts it in the first half of its patch (positions late in a patch are
  // predicted worse). Positions before P/2 come from the first pass.
  bool has_strided_inference() const override { return cfg_.patch >= 2; }
  Tensor strided_forward(const Tensor& ids) override;
  const MegabyteConfig& config() const { return cfg_; }

  // The pieces of forward(), also driven by the decoder.
  // Global inputs of patches k0 .. k0+n−1 [B, n, P·D_G] from ids [B, ≥ (k0+n−1)·P].
  Tensor global_input(const Tensor& ids, int64_t k0, int64_t n);
  // The global stack and its final norm over gin [B, n, P·D_G] (a cache, when
  // attached, holds the earlier patches).
  Tensor global_output(const Tensor& gin);
  // Logits [N, m, vocab] of in-patch positions p0 .. p0+m−1 of N patches, from
  // their global outputs gout [N, P·D_G] and the bytes of the patch before them
  // (patch_bytes [N, ≥ p0+m−1], i64; unused when p0 = 0 and m = 1).
  Tensor local_logits(const Tensor& gout, const Tensor& patch_bytes, int64_t p0, int64_t m);
  // E_L of the previous byte inside the patch (the local pad at p = 0), [N, m, D_L].
  Tensor shifted_local_input(const Tensor& gout, const Tensor& patch_bytes, int64_t p0, int64_t m);

  // Registry hooks (`model: {type: megabyte, ...}`).
  static Schema schema();
  static std::shared_ptr<Model> create(const ModelArgs& a);

 private:
  MegabyteConfig cfg_;
  std::shared_ptr<Parameterization> global_param_, local_param_;
  Generator dropout_gen_;
  std::shared_ptr<MegabytePatchEmbedder> patch_embed_;
  std::shared_ptr<BlockStack> global_, local_;
  std::shared_ptr<Module> global_norm_, local_norm_;
  std::shared_ptr<Linear> global_to_local_;  // W_GL [D_G, D_L], no bias
  std::shared_ptr<Embedding> local_emb_;     // E_L
  Parameter* local_pad_ = nullptr;
  std::shared_ptr<Linear> head_;  // untied unembedding
};

}  // namespace weft
