// defines: RecipeAccess, the loader's and validator's write access to Recipe's
// fields (private to src/config, so consumers only ever see a read-only Recipe).
#pragma once

#include "weft/config/recipe.h"

namespace weft {

class RecipeAccess {
 public:
  static YAML::Node& tree(Recipe& r) { return r.tree_; }
  static std::map<std::string, Origin>& origins(Recipe& r) { return r.origins_; }
  static std::filesystem::path& file(Recipe& r) { return r.file_; }
  static std::vector<std::filesystem::path>& sources(Recipe& r) { return r.sources_; }
  static std::vector<std::string>& set_overrides(Recipe& r) { return r.set_overrides_; }
  static void mark_resolved(Recipe& r) { r.resolved_ = true; }
};

}  // namespace weft
