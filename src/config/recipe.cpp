// defines: load_recipe (includes, merging, --set), parse_set_override,
// Recipe::locate, dump_resolved, write_resolved, recipe_hash (see recipe.h).
//
// Loading stops at the first problem (a syntax error or a missing include
// leaves nothing sensible to merge); validation (validate.cpp) then reports
// every remaining problem at once.
#include "weft/config/recipe.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "recipe_access.h"
#include "weft/core/regular_file.h"
#include "yaml_bounds.h"
#include "scalar_text.h"

namespace weft {

namespace fs = std::filesystem;
using namespace config_detail;

namespace {

using Origins = std::map<std::string, Origin>;

[[noreturn]] void fail(SourceLoc loc, std::string path, std::string message) {
  throw RecipeError({Diagnostic{std::move(loc), std::move(path), std::move(message)}});
}

// Paths are shown as the user would type them: relative stays relative, and
// "recipes/../configs/x.yaml" becomes "configs/x.yaml".
std::string display(const fs::path& p) { return p.lexically_normal().generic_string(); }

SourceLoc loc_of_mark(const std::string& file, const YAML::Mark& m) {
  return SourceLoc::from_mark(file, m.line, m.column);
}

SourceLoc loc_of(const std::string& file, const YAML::Node& n) { return loc_of_mark(file, n.Mark()); }

// The parsed tree itself, or a RecipeError naming the file when it is too deep or,
// aliases expanded, too big to walk (yaml_bounds.h).
YAML::Node within_bounds(YAML::Node root, const std::string& file) {
  if (auto p = yaml_bounds_problem(root)) fail(loc_of_mark(file, p->mark), "", p->message);
  return root;
}

// The child of a map by key, or an undefined node; never inserts.
YAML::Node child(const YAML::Node& map, const std::string& key) {
  if (map.IsMap())
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool is_under(const std::string& path, const std::string& root) {
  if (path.compare(0, root.size(), root) != 0) return false;
  return path.size() == root.size() || path[root.size()] == '.' || path[root.size()] == '[';
}

void erase_subtree(Origins& o, const std::string& root) {
  for (auto it = o.lower_bound(root); it != o.end() && it->first.compare(0, root.size(), root) == 0;)
    it = is_under(it->first, root) ? o.erase(it) : std::next(it);
}

void copy_subtree(const Origins& from, Origins& to, const std::string& root) {
  for (auto it = from.lower_bound(root);
       it != from.end() && it->first.compare(0, root.size(), root) == 0; ++it)
    if (is_under(it->first, root)) to[it->first] = it->second;
}

// Records where every key and value of n was written; rejects duplicate and
// non-scalar keys, which YAML parsers otherwise resolve silently.
void record(const YAML::Node& n, const std::string& path, const std::string& file, Origins& o) {
  if (n.IsMap()) {
    std::map<std::string, int> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const SourceLoc key_loc = loc_of(file, it->first);
      if (!it->first.IsScalar())
        fail(key_loc, path, "keys must be plain names, got " + describe_value(it->first));
      const std::string key = it->first.Scalar();
      const std::string p = join_key(path, key);
      if (key.empty()) fail(key_loc, path, "empty key");
      if (auto [pos, fresh] = seen.emplace(key, key_loc.line); !fresh)
        fail(key_loc, p, "duplicate key (first written at line " + std::to_string(pos->second) + ")");
      // A null value has no position of its own worth showing: use the key's.
      o[p] = {key_loc, it->second.IsNull() ? key_loc : loc_of(file, it->second)};
      record(it->second, p, file, o);
    }
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      o[p] = {loc_of(file, n[i]), loc_of(file, n[i])};
      record(n[i], p, file, o);
    }
  }
}

// Every path in n (and n itself at path) gets the same location: a --set override.
void record_everywhere(const YAML::Node& n, const std::string& path, const SourceLoc& loc,
                       Origins& o) {
  o[path] = {loc, loc};
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it)
      record_everywhere(it->second, join_key(path, it->first.Scalar()), loc, o);
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i)
      record_everywhere(n[i], path + "[" + std::to_string(i) + "]", loc, o);
  }
}

// Deep merge of src into dst (both maps): maps merge key by key, anything else
// replaces. A merged map keeps the location of its first appearance.
void merge_into(YAML::Node dst, const YAML::Node& src, const std::string& prefix, Origins& dst_o,
                const Origins& src_o) {
  for (auto it = src.begin(); it != src.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string path = join_key(prefix, key);
    YAML::Node existing = child(dst, key);
    if (existing.IsDefined() && existing.IsMap() && it->second.IsMap()) {
      if (!dst_o.count(path) && src_o.count(path)) dst_o[path] = src_o.at(path);
      merge_into(existing, it->second, path, dst_o, src_o);
    } else {
      erase_subtree(dst_o, path);
      copy_subtree(src_o, dst_o, path);
      dst[key] = YAML::Clone(it->second);
    }
  }
}

struct Layer {
  YAML::Node tree{YAML::NodeType::Map};
  Origins origins;
};

class Loader {
 public:
  explicit Loader(fs::path include_root) : include_root_(std::move(include_root)) {}

  Layer load(const fs::path& path, const SourceLoc& included_from, const std::string& include_key) {
    const std::string name = display(path);
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    if (ec) canonical = fs::absolute(path).lexically_normal();
    for (size_t i = 0; i < chain_.size(); ++i) {
      if (chain_[i].first != canonical) continue;
      std::string cycle;
      for (size_t j = i; j < chain_.size(); ++j) cycle += chain_[j].second + " -> ";
      fail(included_from, include_key, "include cycle: " + cycle + name);
    }
    const YAML::Node root = parse(path, name);
    sources_.push_back(path.lexically_normal());
    chain_.emplace_back(canonical, name);

    Layer out;
    if (!root.IsNull()) {
      if (!root.IsMap())
        fail(loc_of(name, root), "", "a recipe must be a map of keys, got " + describe_value(root));
      Origins own;
      record(root, "", name, own);
      const YAML::Node includes = child(root, "include");
      if (includes.IsDefined()) {
        for (const auto& [entry, entry_path] : include_entries(includes, own)) {
          const SourceLoc at = loc_of(name, entry);
          const fs::path found = resolve(path, entry.Scalar(), at, entry_path);
          Layer sub = load(found, at, entry_path);
          merge_into(out.tree, sub.tree, "", out.origins, sub.origins);
        }
        erase_subtree(own, "include");
      }
      YAML::Node body(YAML::NodeType::Map);
      for (auto it = root.begin(); it != root.end(); ++it)
        if (it->first.Scalar() != "include") body[it->first.Scalar()] = it->second;
      merge_into(out.tree, body, "", out.origins, own);
    }
    chain_.pop_back();
    return out;
  }

  const std::vector<fs::path>& sources() const { return sources_; }

 private:
  static YAML::Node parse(const fs::path& path, const std::string& name) {
    std::string problem;
    const std::string text = read_regular_file(path, kMaxRecipeBytes, &problem);
    if (!problem.empty()) fail(SourceLoc{name}, "", "cannot read this file: it " + problem);
    try {
      return within_bounds(YAML::Load(text), name);
    } catch (const YAML::ParserException& e) {
      fail(SourceLoc::from_mark(name, e.mark.line, e.mark.column), "", "YAML syntax error: " + e.msg);
    } catch (const YAML::Exception& e) {
      fail(SourceLoc::from_mark(name, e.mark.line, e.mark.column), "", "YAML error: " + e.msg);
    }
  }

  // `include: a.yaml` or `include: [a.yaml, b.yaml]`, each entry with its key path.
  static std::vector<std::pair<YAML::Node, std::string>> include_entries(const YAML::Node& inc,
                                                                          const Origins& own) {
    std::vector<std::pair<YAML::Node, std::string>> entries;
    const SourceLoc at = own.at("include").value;
    if (inc.IsScalar()) {
      entries.emplace_back(inc, "include");
    } else if (inc.IsSequence()) {
      for (size_t i = 0; i < inc.size(); ++i) {
        const std::string p = "include[" + std::to_string(i) + "]";
        if (!inc[i].IsScalar())
          fail(own.at(p).value, p, "expected a file name, got " + describe_value(inc[i]));
        entries.emplace_back(inc[i], p);
      }
    } else {
      fail(at, "include", "expected a file name or a list of file names, got " + describe_value(inc));
    }
    return entries;
  }

  fs::path resolve(const fs::path& including, const std::string& entry, const SourceLoc& at,
                   const std::string& key) const {
    std::vector<fs::path> tried;
    const fs::path p(entry);
    if (p.is_absolute()) {
      tried.push_back(p);
    } else {
      tried.push_back(including.parent_path() / p);
      if (!include_root_.empty()) tried.push_back(include_root_ / p);
    }
    std::error_code ec;
    for (const fs::path& t : tried) {
      if (!fs::exists(t, ec)) continue;
      // Found, but a FIFO, a device or a folder: say so rather than "cannot find".
      OpenedFile f = open_regular_file(t);
      if (f.fd < 0) fail(at, key, "included file '" + display(t) + "' " + f.problem);
      ::close(f.fd);
      return t;
    }
    std::string looked;
    for (const fs::path& t : tried) looked += (looked.empty() ? "" : ", ") + display(t);
    fail(at, key, "cannot find included file '" + entry + "' (looked for " + looked + ")");
  }

  fs::path include_root_;
  std::vector<std::pair<fs::path, std::string>> chain_;  // (canonical path, display name)
  std::vector<fs::path> sources_;
};

}  // namespace

std::pair<std::vector<std::string>, std::string> parse_set_override(const std::string& assignment) {
  const SourceLoc at = SourceLoc::from_set(assignment);
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos)
    fail(at, "", "malformed override: expected KEY.PATH=VALUE, e.g. optim.lr=3e-4");
  std::string path = assignment.substr(0, eq);
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  path.erase(path.begin(), std::find_if(path.begin(), path.end(), not_space));
  path.erase(std::find_if(path.rbegin(), path.rend(), not_space).base(), path.end());
  if (path.empty()) fail(at, "", "malformed override: empty key path before '='");
  if (path.find_first_of("[]") != std::string::npos)
    fail(at, path,
         "list elements cannot be set one by one; set the whole list, e.g. optim.betas=[0.9,0.99]");
  std::vector<std::string> keys;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) fail(at, path, "malformed override: empty key in the path");
    keys.push_back(key);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (keys.front() == "include")
    fail(at, path, "includes cannot be changed with --set; add the fragment to the recipe");
  return {std::move(keys), assignment.substr(eq + 1)};
}

Recipe::Recipe() : tree_(YAML::NodeType::Map) {}

SourceLoc Recipe::locate(const std::string& path) const {
  std::string p = path;
  while (!p.empty()) {
    if (auto it = origins_.find(p); it != origins_.end()) {
      if (it->second.value.known()) return it->second.value;
      if (it->second.key.known()) return it->second.key;
    }
    const size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? std::string() : p.substr(0, cut);
  }
  return SourceLoc{display(file_)};
}

Recipe load_recipe(const fs::path& file, const std::vector<std::string>& set_overrides,
                   const fs::path& include_root) {
  Loader loader(include_root);
  Layer merged = loader.load(file, SourceLoc{display(file)}, "");

  for (const std::string& assignment : set_overrides) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in the lambda below.
    const auto parsed = parse_set_override(assignment);
    const std::vector<std::string>& keys = parsed.first;
    const std::string& text = parsed.second;
    const SourceLoc at = SourceLoc::from_set(assignment);
    std::string path;
    for (const std::string& k : keys) path = join_key(path, k);
    const YAML::Node value = [&] {
      try {
        return YAML::Load(text);
      } catch (const YAML::Exception& e) {
        fail(at, path, "cannot read the value as YAML: " + e.msg);
      }
    }();
    if (auto p = yaml_bounds_problem(value)) fail(at, path, p->message);
    // Build {a: {b: {c: value}}} and merge it like one more fragment.
    YAML::Node layer = value;
    for (size_t i = keys.size(); i-- > 0;) {
      YAML::Node wrap(YAML::NodeType::Map);
      wrap[keys[i]] = layer;
      layer.reset(wrap);  // rebind; assignment would rewrite the node inside wrap
    }
    Origins o;
    record_everywhere(layer, "", at, o);
    o.erase("");
    merge_into(merged.tree, layer, "", merged.origins, o);
  }

  Recipe r;
  RecipeAccess::tree(r).reset(merged.tree);
  RecipeAccess::origins(r) = std::move(merged.origins);
  RecipeAccess::file(r) = file;
  RecipeAccess::sources(r) = loader.sources();
  RecipeAccess::set_overrides(r) = set_overrides;
  return r;
}

// ---- writing ----

namespace {
void emit(YAML::Emitter& out, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      if (n.size() == 0) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (auto it = n.begin(); it != n.end(); ++it) {
        out << YAML::Key;
        emit(out, it->first);
        out << YAML::Value;
        emit(out, it->second);
      }
      out << YAML::EndMap;
      return;
    case YAML::NodeType::Sequence: {
      const bool flat = std::all_of(n.begin(), n.end(), [](const YAML::Node& e) { return e.IsScalar(); });
      if (flat) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& e : n) emit(out, e);
      out << YAML::EndSeq;
      return;
    }
    case YAML::NodeType::Scalar:
      // A string that would read back as something else ("true", "1.5") keeps its quotes.
      if (is_quoted(n) && !plain_is_string(n.Scalar())) out << YAML::DoubleQuoted;
      out << n.Scalar();
      return;
    default:
      out << YAML::Null;
      return;
  }
}
}  // namespace

std::string dump_resolved(const Recipe& recipe) {
  WEFT_CHECK(recipe.resolved(), Error, "dump_resolved: recipe '", display(recipe.file()),
             "' has not been validated");
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, recipe.tree());
  WEFT_CHECK(out.good(), Error, "dump_resolved: YAML emitter failed: ", out.GetLastError());
  return std::string(out.c_str()) + "\n";
}

void write_resolved(const Recipe& recipe, const fs::path& path) {
  const std::string text = dump_resolved(recipe);
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    WEFT_CHECK(out.good(), Error, "cannot write the resolved recipe to '", display(tmp), "'");
  }
  fs::rename(tmp, path);
}

uint64_t fnv1a64(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string recipe_hash(const Recipe& recipe) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(dump_resolved(recipe))));
  return buf;
}

}  // namespace weft
