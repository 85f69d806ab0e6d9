// MEGABYTE's patch-wise decoder (the MEGABYTE paper "Generation"): per patch, one
// global step on the patch's input (the bytes of the patch before it) with a
// KV cache over patches, then P local steps with a KV cache over the patch's
// positions, each fed the byte sampled before it (the local pad at p = 0).
// Serial cost per patch O(L_G + P·L_L) rather than a flat decoder's O(P·L).
//
// Only when every block of both stacks mixes positions nowhere but in a
// cache-capable attention (as gpt's decoder requires); otherwise the model
// falls back to RecomputingDecoder. A full context restarts from the last
// max(1, floor(seq_len/2)) bytes at position 0, like gpt (learned absolute
// positions cannot slide).
#include <algorithm>
#include <memory>
#include <vector>

#include "weft/autograd/grad_mode.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/block.h"
#include "weft/nn/decoding.h"
#include "weft/nn/kv_cache.h"
#include "weft/nn/models/megabyte.h"
#include "weft/ops/ops.h"

namespace weft {

namespace {

// Every Attention under m; false when a block or an attention cannot decode
// incrementally (the same rule as gpt's decoder).
bool collect_cacheable(const Module& m, std::vector<Attention*>& out) {
  if (auto* b = dynamic_cast<const Block*>(&m); b && !b->mixes_positions_only_in_attention()) return false;
  if (auto* a = dynamic_cast<const Attention*>(&m)) {
    if (!a->supports_kv_cache()) return false;
    out.push_back(const_cast<Attention*>(a));
    return true;
  }
  for (auto& [name, child] : m.children())
    if (!collect_cacheable(*child, out)) return false;
  return true;
}

struct CachedStack {
  std::vector<Attention*> attns;
  std::vector<std::unique_ptr<KVCache>> caches;
  CachedStack(std::vector<Attention*> a, int64_t capacity) : attns(std::move(a)) {
    for (size_t i = 0; i < attns.size(); ++i) caches.push_back(std::make_unique<KVCache>(capacity));
  }
  void reset() {
    for (auto& c : caches) c->reset();
  }
  void attach(bool on) {
    for (size_t i = 0; i < attns.size(); ++i) attns[i]->set_kv_cache(on ? caches[i].get() : nullptr);
  }
};

class MegabyteCachedDecoder : public TokenDecoder {
 public:
  MegabyteCachedDecoder(Megabyte& m, std::vector<Attention*> global, std::vector<Attention*> local)
      : m_(m), global_(std::move(global), m.config().max_patches()), local_(std::move(local), m.config().patch) {}

  Tensor prefill(const std::vector<int64_t>& ids) override {
    WEFT_CHECK(!ids.empty(), ValueError, "decoding: the prompt must hold at least one token");
    const int64_t n = std::min<int64_t>(m_.context_length(), static_cast<int64_t>(ids.size()));
    return restart(std::vector<int64_t>(ids.end() - n, ids.end()));
  }

  Tensor next(int64_t id) override {
    WEFT_CHECK(!window_.empty(), ValueError, "decoding: next() before prefill()");
    const int64_t ctx = m_.context_length();
    if (static_cast<int64_t>(window_.size()) == ctx) {
      const int64_t keep = std::max<int64_t>(1, ctx / 2);
      std::vector<int64_t> kept(window_.end() - (keep - 1), window_.end());
      kept.push_back(id);
      return restart(kept);
    }
    window_.push_back(id);
    return guarded([&] { return advance(); });
  }

  bool cached() const override { return true; }

 private:
  Tensor restart(const std::vector<int64_t>& ids) {
    global_.reset();
    local_.reset();
    window_ = ids;
    patches_ = 0;
    local_len_ = 0;
    return guarded([&] { return advance(); });
  }

  // The logits predicting byte n = window_.size() (the paper's position n):
  // the global steps of every patch up to n's (all at once after a prefill),
  // then the local positions of n's patch not yet in the local caches.
  Tensor advance() {
    const int64_t P = m_.config().patch, n = static_cast<int64_t>(window_.size());
    const int64_t k = n / P, p = n % P;
    Tensor ids = Tensor::from_vector(window_, {1, n});
    if (patches_ <= k) {
      global_.attach(true);
      Tensor g = m_.global_output(m_.global_input(ids, patches_, k + 1 - patches_));
      global_.attach(false);
      gout_ = reshape(narrow(g, 1, g.size(1) - 1, 1), {1, -1});
      patches_ = k + 1;
      local_.reset();
      local_len_ = 0;
    }
    Tensor patch_bytes = p > 0 ? narrow(ids, 1, k * P, p) : Tensor::zeros({1, 1}, DType::i64);
    local_.attach(true);
    Tensor logits = m_.local_logits(gout_, patch_bytes, local_len_, p + 1 - local_len_);
    local_.attach(false);
    local_len_ = p + 1;
    return reshape(narrow(logits, 1, logits.size(1) - 1, 1), {-1});
  }

  // Runs f without autograd; a failure detaches the caches and leaves the
  // decoder empty (prefill again) rather than with half-appended caches.
  template <typename F>
  Tensor guarded(F f) {
    NoGradGuard no_grad;
    try {
      return f();
    } catch (...) {
      global_.attach(false);
      local_.attach(false);
      global_.reset();
      local_.reset();
      window_.clear();
      throw;
    }
  }

  Megabyte& m_;
  CachedStack global_, local_;
  std::vector<int64_t> window_;  // the bytes decoded so far, at positions 0..
  int64_t patches_ = 0;          // patches in the global caches
  int64_t local_len_ = 0;        // positions of the current patch in the local caches
  Tensor gout_;                  // [1, P·D_G]: the global output of the current patch
};

}  // namespace

std::unique_ptr<TokenDecoder> Megabyte::start_decoding() {
  std::vector<Attention*> g, l;
  if (!collect_cacheable(*global_, g) || !collect_cacheable(*local_, l) || g.empty() || l.empty())
    return std::make_unique<RecomputingDecoder>(*this);
  return std::make_unique<MegabyteCachedDecoder>(*this, std::move(g), std::move(l));
}

}  // namespace weft
