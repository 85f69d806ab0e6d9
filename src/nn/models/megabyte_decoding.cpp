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

class MegabyteCachedDecoder : public SlidingWindowDecoder {
 public:
  MegabyteCachedDecoder(Megabyte& m, std::vector<Attention*> global, std::vector<Attention*> local)
      : SlidingWindowDecoder(m.context_length()),
        m_(m),
        global_(std::move(global), m.config().max_patches()),
        local_(std::move(local), m.config().patch) {}

 private:
  void forget() override {
    global_.attach(false);
    local_.attach(false);
    global_.reset();
    local_.reset();
    patches_ = 0;
    local_len_ = 0;
  }

  // The logits predicting byte n = window().size() (the paper's position n):
  // the global steps of every patch up to n's (all at once after a prefill),
  // then the local positions of n's patch not yet in the local caches (so
  // `fresh` follows from patches_ and local_len_).
  Tensor extend(int64_t /*fresh*/) override {
    const auto& w = window();
    const int64_t P = m_.config().patch, n = static_cast<int64_t>(w.size());
    const int64_t k = n / P, p = n % P;
    Tensor ids = Tensor::from_vector(w, {1, n}, m_.device());
    if (patches_ <= k) {
      global_.attach(true);
      Tensor g = m_.global_output(m_.global_input(ids, patches_, k + 1 - patches_));
      global_.attach(false);
      gout_ = reshape(narrow(g, 1, g.size(1) - 1, 1), {1, -1});
      patches_ = k + 1;
      local_.reset();
      local_len_ = 0;
    }
    Tensor patch_bytes = p > 0 ? narrow(ids, 1, k * P, p) : Tensor::zeros({1, 1}, DType::i64, m_.device());
    local_.attach(true);
    Tensor logits = m_.local_logits(gout_, patch_bytes, local_len_, p + 1 - local_len_);
    local_.attach(false);
    local_len_ = p + 1;
    return reshape(narrow(logits, 1, logits.size(1) - 1, 1), {-1});
  }

  Megabyte& m_;
  CachedStack global_, local_;
  int64_t patches_ = 0;    // patches in the global caches
  int64_t local_len_ = 0;  // positions of the current patch in the local caches
  Tensor gout_;            // [1, P·D_G]: the global output of the current patch
};

}  // namespace

std::unique_ptr<TokenDecoder> Megabyte::start_decoding() {
  std::vector<Attention*> g, l;
  // Without a local stack (local_model: false) there is nothing to cache inside a patch.
  if (!local_ || !cacheable_attentions(*global_, g) || !cacheable_attentions(*local_, l) || g.empty() || l.empty())
    return std::make_unique<RecomputingDecoder>(*this);
  return std::make_unique<MegabyteCachedDecoder>(*this, std::move(g), std::move(l));
}

}  // namespace weft
