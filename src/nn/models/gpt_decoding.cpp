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

class GPTCachedDecoder : public SlidingWindowDecoder {
 public:
  GPTCachedDecoder(GPT& model, std::vector<Attention*> attns)
      : SlidingWindowDecoder(model.context_length()), model_(model), attns_(std::move(attns)) {
    for (size_t i = 0; i < attns_.size(); ++i) caches_.push_back(std::make_unique<KVCache>(model.context_length()));
  }

 private:
  void forget() override {
    for (auto& c : caches_) c->reset();
  }

  // Runs the last `fresh` ids of the window at their positions with the caches attached.
  Tensor extend(int64_t fresh) override {
    struct Attach {
      std::vector<Attention*>& a;
      ~Attach() {
        for (Attention* x : a) x->set_kv_cache(nullptr);
      }
    } attach{attns_};
    for (size_t i = 0; i < attns_.size(); ++i) attns_[i]->set_kv_cache(caches_[i].get());
    const auto& w = window();
    const int64_t pos0 = static_cast<int64_t>(w.size()) - fresh;
    std::vector<int64_t> ids(w.end() - fresh, w.end());
    return last_position_logits(model_.forward_positions(Tensor::from_vector(ids, {1, fresh}, model_.device()), pos0));
  }

  GPT& model_;
  std::vector<Attention*> attns_;
  std::vector<std::unique_ptr<KVCache>> caches_;
};

}  // namespace

std::unique_ptr<TokenDecoder> GPT::start_decoding() {
  std::vector<Attention*> attns;
  if (!cacheable_attentions(*this, attns) || attns.empty()) return std::make_unique<RecomputingDecoder>(*this);
  return std::make_unique<GPTCachedDecoder>(*this, std::move(attns));
}

}  // namespace weft
