#include "weft/param/multipliers.h"

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
}  // namespace

std::vector<PlacedParameter> placed_parameters(Module& root) {
  std::set<const Parameter*> in_blocks;
  collect_block_parameters(root, in_blocks);
  std::vector<PlacedParameter> out;
  for (auto& [name, p] : root.named_parameters()) {
    InitRequest r{p->role};
    r.outside_blocks = in_blocks.count(p) == 0;
    out.push_back({name, p, r});
  }
  return out;
}

void assign_multipliers(Module& root, const Parameterization& p) {
  for (auto& pp : placed_parameters(root)) {
    pp.param->lr_mult = p.lr_mult(pp.request);
    pp.param->wd_mult = p.wd_mult(pp.request);
    pp.param->eps_mult = p.eps_mult(pp.request);
  }
}

}  // namespace weft
