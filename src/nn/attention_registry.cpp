#include "weft/nn/attention_registry.h"

namespace weft {

AttentionRegistry& AttentionRegistry::instance() {
  static AttentionRegistry r;
  return r;
}

int64_t head_width(const char* layer, int64_t d, int64_t n_heads) {
  WEFT_CHECK(n_heads >= 1 && d % n_heads == 0, ShapeError, layer, ": n_heads ", n_heads, " must divide d_model ", d);
  return d / n_heads;
}

std::shared_ptr<Attention> build_attention(const ResolvedView& attn, const AttentionContext& ctx) {
  const std::string type = attn.get_or<std::string>("type", "softmax");
  return AttentionRegistry::instance().at(type).factory(AttentionArgs{attn, ctx});
}

void add_attention_option(Schema& s) {
  s.add_polymorphic("attn", AttentionRegistry::instance().catalog(), "softmax")
      .help("attention type of the block (see `weft layers`)");
}

}  // namespace weft
