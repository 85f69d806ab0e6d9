#include "weft/param/multipliers.h"

#include <map>
#include <set>

#include "weft/nn/block.h"

namespace weft {

namespace {
void collect_block_parameters(const Module& m, std::set<const Parameter*>& out) {
  for (const auto& [name, child] : m.children()) {
    if (dynamic_cast<const Block*>(child.get()) != nullptr) {
      for (const auto& [n, p] : static_cast<const Module&>(*child).named_parameters()) out.insert(p);
    } else {
      collect_block_parameters(*child, out);
    }
  }
}

// The innermost scope_parameterization() above each parameter (none: absent).
void collect_scopes(const Module& m, const Parameterization* scope, std::map<const Parameter*, const Parameterization*>& out) {
  if (const Parameterization* own = m.scope_parameterization()) scope = own;
  for (const auto& [n, p] : m.named_parameters()) {
    if (scope) out[p] = scope;
  }
  for (const auto& [name, child] : m.children()) collect_scopes(*child, scope, out);
}
}  // namespace

std::vector<PlacedParameter> placed_parameters(Module& root) {
  std::set<const Parameter*> in_blocks;
  collect_block_parameters(root, in_blocks);
  std::map<const Parameter*, const Parameterization*> scopes;
  collect_scopes(root, nullptr, scopes);
  std::vector<PlacedParameter> out;
  for (auto& [name, p] : root.named_parameters()) {
    InitRequest r{p->role};
    r.outside_blocks = in_blocks.count(p) == 0;
    auto scope = scopes.find(p);
    out.push_back({name, p, r, scope == scopes.end() ? nullptr : scope->second});
  }
  return out;
}

void assign_multipliers(Module& root, const Parameterization& p) {
  for (auto& pp : placed_parameters(root)) {
    const Parameterization& q = pp.scope ? *pp.scope : p;
    pp.param->lr_mult = q.lr_mult(pp.request);
    pp.param->wd_mult = q.wd_mult(pp.request);
    pp.param->eps_mult = q.eps_mult(pp.request);
  }
}

}  // namespace weft
