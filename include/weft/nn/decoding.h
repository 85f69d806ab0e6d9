// defines: TokenDecoder — incremental generation from a language model (a
// prompt, then one token at a time); RecomputingDecoder — the fallback that
// reruns the full forward over the last context_length() tokens every step.
//
// A model that can cache state between steps (gpt: keys and values per layer,
// nn/kv_cache.h) returns its own decoder from LanguageModel::start_decoding();
// either way the logits equal those of forward() over the same window.
// A decoder refers to its model: the model must outlive it. Decoders run
// without autograd and expect the model in eval mode (no dropout).
#pragma once

#include <cstdint>
#include <vector>

#include "weft/core/tensor.h"

namespace weft {

class LanguageModel;

class TokenDecoder {
 public:
  virtual ~TokenDecoder() = default;
  // Starts from ids (non-empty; only the last context_length() are seen) and
  // returns the logits [vocab] predicting the token after the last id.
  virtual Tensor prefill(const std::vector<int64_t>& ids) = 0;
  // Feeds one more token; returns the logits [vocab] predicting the one after it.
  virtual Tensor next(int64_t id) = 0;
  // True when steps reuse cached state; false when each step recomputes.
  virtual bool cached() const = 0;
};

// Keeps the ids and runs model.forward over the last context_length() of them
// at every step: O(T²) work per token, but exact for any model.
class RecomputingDecoder : public TokenDecoder {
 public:
  explicit RecomputingDecoder(LanguageModel& model) : model_(model) {}
  Tensor prefill(const std::vector<int64_t>& ids) override;
  Tensor next(int64_t id) override;
  bool cached() const override { return false; }

 private:
  Tensor logits_after_last();
  LanguageModel& model_;
  std::vector<int64_t> ids_;
};

// The window rule shared by the cached decoders: the cached ids are the last
// ones decoded, at positions 0..; when one more would exceed context_length(),
// the window restarts from its last half (one recompute per context/2 tokens,
// never a position past the model's context). When a step throws, the decoder
// forgets everything (prefill again) rather than keep half-appended caches.
class SlidingWindowDecoder : public TokenDecoder {
 public:
  explicit SlidingWindowDecoder(int64_t context_length) : context_(context_length) {}
  Tensor prefill(const std::vector<int64_t>& ids) final;
  Tensor next(int64_t id) final;
  bool cached() const final { return true; }

 protected:
  // The ids in the caches, at positions 0..
  const std::vector<int64_t>& window() const { return window_; }
  // Drops every cached state and detaches the caches.
  virtual void forget() = 0;
  // Brings the caches up to window(), whose last `fresh` ids are new (run
  // without autograd); returns the logits [vocab] after its last id.
  virtual Tensor extend(int64_t fresh) = 0;

 private:
  Tensor restart(std::vector<int64_t> ids);
  Tensor guarded_extend(int64_t fresh);
  int64_t context_;
  std::vector<int64_t> window_;
};

// The logits [vocab] of the last position of logits [1, T, vocab].
Tensor last_position_logits(const Tensor& logits);

}  // namespace weft
