// defines: kMaxRecipeBytes, kMaxYamlDepth, kMaxYamlNodes, yaml_bounds_problem —
// the limits a parsed recipe must meet before anything walks it. YAML aliases
// share nodes, so a 2 KB file can stand for 10^10 nodes (an alias bomb) or for an
// infinitely deep tree (`x: &a [*a]`); every later walk (recording origins,
// merging, validation) expands aliases, so the tree is measured once, up front,
// with a walk that stops at the first limit.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>

namespace weft::config_detail {

inline constexpr uint64_t kMaxRecipeBytes = uint64_t{1} << 20;  // 1 MiB: recipes are a few KB
inline constexpr int kMaxYamlDepth = 64;                        // nesting of maps and lists
inline constexpr uint64_t kMaxYamlNodes = 100000;               // counted with aliases expanded

struct YamlBoundsProblem {
  std::string message;
  YAML::Mark mark;  // where the limit was crossed
};

// Nesting deeper than kMaxYamlDepth or more than kMaxYamlNodes nodes once aliases
// are expanded; nullopt when the tree is within bounds.
std::optional<YamlBoundsProblem> yaml_bounds_problem(const YAML::Node& root);

}  // namespace weft::config_detail
