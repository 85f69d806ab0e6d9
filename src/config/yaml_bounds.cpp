#include "yaml_bounds.h"

namespace weft::config_detail {

namespace {

// Depth-first, recursion bounded by kMaxYamlDepth; stops at the first problem.
struct Walker {
  uint64_t nodes = 0;
  std::optional<YamlBoundsProblem> problem;

  void visit(const YAML::Node& n, int depth) {
    if (problem) return;
    if (++nodes > kMaxYamlNodes) {
      problem = YamlBoundsProblem{"more than " + std::to_string(kMaxYamlNodes) +
                                      " YAML nodes once aliases are expanded (an alias bomb?)",
                                  n.Mark()};
      return;
    }
    if (!n.IsMap() && !n.IsSequence()) return;
    if (depth >= kMaxYamlDepth) {
      problem = YamlBoundsProblem{"nesting deeper than " + std::to_string(kMaxYamlDepth) +
                                      " levels (an alias that contains itself?)",
                                  n.Mark()};
      return;
    }
    for (auto it = n.begin(); it != n.end() && !problem; ++it) {
      if (n.IsMap()) {
        visit(it->first, depth + 1);
        visit(it->second, depth + 1);
      } else {
        visit(*it, depth + 1);
      }
    }
  }
};

}  // namespace

std::optional<YamlBoundsProblem> yaml_bounds_problem(const YAML::Node& root) {
  Walker w;
  w.visit(root, 0);
  return w.problem;
}

}  // namespace weft::config_detail
