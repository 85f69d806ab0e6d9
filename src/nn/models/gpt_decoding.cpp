// gpt's incremental decoder: one KV cache per attention layer, the new token's
// embedding at its absolute position, and every block run on that one position.
//
// Valid only when each block mixes positions nowhere but in its attention
// (Block::mixes_positions_only_in_attention: norms, MLPs and residuals act
// position by position) and every attention supports a cache; otherwise (sas,
// sas_p, CAT, a user's block) gpt falls back to RecomputingDecoder.
//
// Sliding window: gpt's positions are learned and absolute, so a full cache
// cannot drop its oldest position and shift the rest (every key would change).
// When the cache holds seq_len positions, the next token restarts it: the last
// max(1, floor(seq_len/2)) tokens (the new one included) are prefilled afresh
// at positions 0.. . Each restart costs one prefill of seq_len/2 tokens; in
// between, every token costs one position's forward.
#include <algorithm>
#include <memory>
#include <vector>

#include "weft/autograd/grad_mode.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/block.h"
#include "weft/nn/decoding.h"
#include "weft/nn/kv_cache.h"
#include "weft/nn/models/gpt.h"

namespace weft {

namespace {

// Every Attention in the tree under m, or nullopt-like false when a block (or
// an attention) cannot decode incrementally.
bool collect_cacheable(const Module& m, std::vector<Attention*>& out) {
  if (auto* b = dynamic_cast<const Block*>(&m); b && !b->mixes_positions_only_in_attention()) return false;
  if (auto* a = dynamic_cast<const Attention*>(&m)) {
    if (!a->supports_kv_cache()) return false;
    out.push_back(const_cast<Attention*>(a));
    return true;  // an attention's submodules (projections, norms) are its own business
  }
  for (auto& [name, child] : m.children())
    if (!collect_cacheable(*child, out)) return false;
  return true;
}

class GPTCachedDecoder : public TokenDecoder {
 public:
  GPTCachedDecoder(GPT& model, std::vector<Attention*> attns) : model_(model), attns_(std::move(attns)) {
    for (size_t i = 0; i < attns_.size(); ++i) caches_.push_back(std::make_unique<KVCache>(model.context_length()));
  }

  Tensor prefill(const std::vector<int64_t>& ids) override {
    WEFT_CHECK(!ids.empty(), ValueError, "decoding: the prompt must hold at least one token");
    const int64_t n = std::min<int64_t>(model_.context_length(), static_cast<int64_t>(ids.size()));
    return restart(std::vector<int64_t>(ids.end() - n, ids.end()));
  }

  Tensor next(int64_t id) override {
    WEFT_CHECK(!window_.empty(), ValueError, "decoding: next() before prefill()");
    const int64_t ctx = model_.context_length();
    if (static_cast<int64_t>(window_.size()) == ctx) {
      const int64_t keep = std::max<int64_t>(1, ctx / 2);
      std::vector<int64_t> kept(window_.end() - (keep - 1), window_.end());
      kept.push_back(id);
      return restart(kept);
    }
    window_.push_back(id);
    return run({id}, static_cast<int64_t>(window_.size()) - 1);
  }

  bool cached() const override { return true; }

 private:
  Tensor restart(const std::vector<int64_t>& ids) {
    for (auto& c : caches_) c->reset();
    window_ = ids;
    return run(ids, 0);
  }

  // Runs ids at positions pos0.. with the caches attached; a failure leaves the
  // decoder empty (prefill again) rather than with half-appended caches.
  Tensor run(const std::vector<int64_t>& ids, int64_t pos0) {
    NoGradGuard no_grad;
    struct Attach {
      std::vector<Attention*>& a;
      ~Attach() {
        for (Attention* x : a) x->set_kv_cache(nullptr);
      }
    } attach{attns_};
    for (size_t i = 0; i < attns_.size(); ++i) attns_[i]->set_kv_cache(caches_[i].get());
    try {
      const int64_t n = static_cast<int64_t>(ids.size());
      return last_position_logits(model_.forward_positions(Tensor::from_vector(ids, {1, n}), pos0));
    } catch (...) {
      for (auto& c : caches_) c->reset();
      window_.clear();
      throw;
    }
  }

  GPT& model_;
  std::vector<Attention*> attns_;
  std::vector<std::unique_ptr<KVCache>> caches_;
  std::vector<int64_t> window_;  // the tokens in the caches, at positions 0..
};

}  // namespace

std::unique_ptr<TokenDecoder> GPT::start_decoding() {
  std::vector<Attention*> attns;
  if (!collect_cacheable(*this, attns) || attns.empty()) return std::make_unique<RecomputingDecoder>(*this);
  return std::make_unique<GPTCachedDecoder>(*this, std::move(attns));
}

}  // namespace weft
