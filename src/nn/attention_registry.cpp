#include "weft/nn/attention_registry.h"

namespace weft {

AttentionRegistry& AttentionRegistry::instance() {
  static AttentionRegistry r;
  return r;
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
