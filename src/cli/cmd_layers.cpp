// weft layers — every registered model and block type with its options, from the
// same schemas the recipe validator uses.
#include <iostream>

#include "commands.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/language_model.h"
#include "weft/nn/registry.h"

namespace weft::cli {

Runner add_layers(CLI::App& app) {
  auto* cmd = app.add_subcommand("layers", "List registered model and layer types with their options");
  return [cmd]() -> int {
    if (!*cmd) return -1;
    std::cout << "model types (model.type):\n";
    for (auto& [name, e] : ModelRegistry::instance().entries()) {
      std::cout << "\n  " << name << ": " << e.help << "\n" << render_schema(e.schema(), 4);
    }
    for (const std::string& kind : LayerRegistry::kinds()) {
      std::cout << "\n" << kind << " types (model." << kind << ".type):\n";
      for (auto& [name, e] : LayerRegistry::get(kind).entries())
        std::cout << "\n  " << name << ": " << e.help << "\n" << render_schema(e.schema(), 4);
    }
    const AttentionRegistry& attn = AttentionRegistry::instance();
    std::cout << "\nattention types (model.block.attn.type):\n";
    for (auto& [name, e] : attn.entries())
      std::cout << "\n  " << name << (attn.is_bidirectional(name) ? " [bidirectional]" : "")
                << (attn.is_kv_cached(name) ? "" : " [recomputes when generating]") << ": " << e.help << "\n"
                << render_schema(e.schema(), 4);
    return 0;
  };
}


}  // namespace weft::cli
