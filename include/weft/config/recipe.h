// defines: Recipe, load_recipe, parse_set_override, dump_resolved,
// write_resolved, recipe_hash.
//
// Loading merges, in order of increasing precedence: each `include:` fragment
// (in list order, recursively), the file's own keys, then each --set override.
// Maps merge key by key; any other value (scalars, lists) replaces. Every key
// path remembers where its key and value were written, so validation errors
// point at the right file:line:column even after merging.
//
// Include paths are tried relative to the including file, then relative to
// include_root (typically the repository root, so `configs/model/x.yaml`
// works from any recipe). A cycle names the chain; a missing fragment names
// the including file:line.
//
// A loaded Recipe is raw; validate() (validate.h) checks it against a Schema
// and turns it into the fully resolved recipe: every default filled, keys in
// schema order, values in canonical spelling. dump_resolved writes that tree as
// YAML which loads and validates back to the identical tree; recipe_hash is a
// stable FNV-1a 64 hash of that text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "weft/config/diagnostics.h"
#include "weft/config/view.h"

namespace weft {

// Where a key path came from: the key itself (unknown-key errors) and its value
// (type and range errors; for a null value, the key's position).
struct Origin {
  SourceLoc key;
  SourceLoc value;
};

class Recipe {
 public:
  Recipe();

  // The merged (after load) or resolved (after validate) tree: a deep copy.
  YAML::Node tree() const { return YAML::Clone(tree_); }
  bool resolved() const { return resolved_; }
  const std::filesystem::path& file() const { return file_; }
  // The recipe file, then every fragment in the order it was read.
  const std::vector<std::filesystem::path>& sources() const { return sources_; }
  const std::vector<std::string>& set_overrides() const { return set_overrides_; }

  // Location of a key path's value, falling back to its key, then to the
  // nearest ancestor that has one, then to the recipe file as a whole.
  SourceLoc locate(const std::string& path) const;
  const std::map<std::string, Origin>& origins() const { return origins_; }

  // Typed reads (view.h): absent or mistyped keys throw weft::Error.
  ResolvedView view() const { return ResolvedView(tree_); }
  template <class T>
  T get(const std::string& path) const {
    return view().get<T>(path);
  }
  template <class T>
  T get_or(const std::string& path, T fallback) const {
    return view().get_or<T>(path, std::move(fallback));
  }
  bool has(const std::string& path) const { return view().has(path); }
  YAML::Node node(const std::string& path) const { return view().node(path); }

 private:
  friend class RecipeAccess;  // src/config: the loader and the validator fill these in

  YAML::Node tree_;
  std::map<std::string, Origin> origins_;
  std::filesystem::path file_;
  std::vector<std::filesystem::path> sources_;
  std::vector<std::string> set_overrides_;
  bool resolved_ = false;
};

// Reads file, its includes and the --set overrides ("a.b.c=value", value read
// as YAML: `[1, 2]`, `true`, `3e-4`). Throws RecipeError (a ConfigError) on
// syntax errors, missing or cyclic includes and malformed overrides.
Recipe load_recipe(const std::filesystem::path& file, const std::vector<std::string>& set_overrides = {},
                   const std::filesystem::path& include_root = {});

// Splits "a.b.c=value" into the key path and the value text; throws
// RecipeError naming the override when there is no '=' or the path is malformed.
std::pair<std::vector<std::string>, std::string> parse_set_override(const std::string& assignment);

// YAML text of a resolved recipe (throws weft::Error if it was not validated).
std::string dump_resolved(const Recipe& recipe);
// Writes dump_resolved to path (e.g. RUN_DIR/recipe.yaml) through a temporary
// file and a rename, so a reader never sees half a recipe.
void write_resolved(const Recipe& recipe, const std::filesystem::path& path);
// 16 hex digits: FNV-1a 64 of dump_resolved, identical across key order,
// spelling ("3e-4" vs "0.0003") and include layout of equivalent recipes.
std::string recipe_hash(const Recipe& recipe);
// FNV-1a 64 of any text.
uint64_t fnv1a64(const std::string& text);

}  // namespace weft
