// defines: Attention, AttentionContext, AttentionArgs, AttentionRegistry,
// WEFT_REGISTER_ATTENTION — the token-mixing layer of a block, chosen by
// `block.attn.type` (softmax, cat, cat_avgkey, cat_causal, a user's own).
//
// A block builds its attention through build_attention(), passing what the
// block type decides (biases, residual dropout, Magneto's inner norm, the init
// gain of the value/output projections for Magneto γ / DeepNorm β); the
// attention type reads its own options from the `attn:` section.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "weft/config/schema.h"
#include "weft/config/view.h"
#include "weft/core/error.h"
#include "weft/nn/block.h"
#include "weft/nn/type_registry.h"

namespace weft {

// What the enclosing block asks of its attention layer.
struct AttentionContext {
  BlockContext block;
  bool bias = true;
  double dropout = 0.0;          // residual dropout on the output projection
  double attn_dropout = 0.0;     // dropout on the attention probabilities (softmax types)
  // Init gain of the value and output projections (not query/key): Magneto's γ
  // (the Magneto paper), DeepNorm's β (the DeepNet paper). Multiplies the parameterization's std.
  double value_out_gain = 1.0;
  bool value_out_gain_on_bias = true;  // Magneto `scale_biases` (torchscale scales by name)
  // Magneto Sub-LN: a norm of width d on the merged heads right before the
  // output projection ("" = none, else layernorm | rmsnorm).
  std::string inner_norm;
  double norm_eps = 1e-5;
  InitBase init_base = InitBase::param;  // base distribution of the projections
};

class KVCache;  // nn/kv_cache.h

class Attention : public Module {
 public:
  // x [B, T, d] → [B, T, d] (output projection included)
  virtual Tensor forward(const Tensor& x) = 0;

  // Incremental decoding (nn/decoding.h). A type that supports it, while
  // attached to a cache, treats x [B, n, d] as the n positions right after those
  // cached: it appends their keys and values and attends over every cached
  // position (eval mode only). nullptr detaches (the normal forward).
  virtual bool supports_kv_cache() const { return false; }
  void set_kv_cache(KVCache* cache) {
    WEFT_CHECK(cache == nullptr || supports_kv_cache(), ValueError,
               "this attention type has no KV cache (its model recomputes when generating)");
    kv_cache_ = cache;
  }

 protected:
  KVCache* kv_cache_ = nullptr;
};

struct AttentionArgs {
  ResolvedView options;  // the validated `attn:` section (defaults filled)
  AttentionContext ctx;
};

using AttentionFactory = std::function<std::shared_ptr<Attention>(const AttentionArgs&)>;

class AttentionRegistry : public TypeRegistry<AttentionFactory> {
 public:
  static AttentionRegistry& instance();
  // Types that look at future tokens: a causal model refuses them (recipe error).
  bool add_bidirectional(const std::string& name) {
    bidirectional_.insert(name);
    return true;
  }
  bool is_bidirectional(const std::string& name) const { return bidirectional_.count(name) > 0; }
  // Types whose instances support a KV cache (Attention::supports_kv_cache), for
  // `weft layers`; the others make generation recompute the full window.
  bool add_kv_cached(const std::string& name) {
    kv_cached_.insert(name);
    return true;
  }
  bool is_kv_cached(const std::string& name) const { return kv_cached_.count(name) > 0; }

 private:
  AttentionRegistry() : TypeRegistry<AttentionFactory>("attention type") {}
  std::set<std::string> bidirectional_;
  std::set<std::string> kv_cached_;
};

// The per-head width d / n_heads; throws ShapeError naming `layer` unless n_heads
// (≥ 1) divides d.
int64_t head_width(const char* layer, int64_t d, int64_t n_heads);

// Builds the attention a validated `attn:` section describes (an empty view =
// softmax with its defaults, for blocks built in code).
std::shared_ptr<Attention> build_attention(const ResolvedView& attn, const AttentionContext& ctx);

// Adds the `attn:` polymorphic option (default softmax) to a block schema.
void add_attention_option(Schema& block_schema);

}  // namespace weft

// causal: true for types that only look at earlier tokens; false marks a
// bidirectional type that causal models refuse.
#define WEFT_REGISTER_ATTENTION(name, Class, causal, help_text)                                           \
  static const bool weft_registered_attention_##Class [[maybe_unused]] =                                  \
      ::weft::AttentionRegistry::instance().add(                                                          \
          {name, help_text, [] { return Class::schema(); },                                               \
           [](const ::weft::AttentionArgs& a) -> std::shared_ptr<::weft::Attention> {                      \
             return Class::create(a);                                                                     \
           }}) &&                                                                                         \
      ((causal) || ::weft::AttentionRegistry::instance().add_bidirectional(name))
