// defines: PlacedParameter, placed_parameters, assign_multipliers — where each
// parameter of a built model sits (inside a residual block or not) and the
// optimizer multipliers the parameterization gives it.
//
// The lr / weight-decay / ε multipliers depend on a parameter's table row
// (the CompleteP paper), and for norms that row depends on its place: a norm inside a
// block gets η_base·m_L^{α−1}, the final norm η_base. A layer does not know its
// place, so the multipliers are written in one pass over the finished model
// (build_model does it for every registered model type). They are a function of
// the recipe alone: a checkpoint never stores them.
#pragma once

#include <string>
#include <vector>

#include "weft/nn/module.h"
#include "weft/param/parameterization.h"

namespace weft {

struct PlacedParameter {
  std::string name;  // dotted, as in named_parameters()
  Parameter* param = nullptr;
  InitRequest request;  // role, and outside_blocks when no Block encloses it
  // The parameterization of the innermost module above it that has its own
  // (a BlockStack: Module::scope_parameterization); null = the model's.
  const Parameterization* scope = nullptr;
};

// Every parameter of `root`, in named_parameters() order; a parameter is inside
// a block when some module on its path is a Block (nn/block.h).
std::vector<PlacedParameter> placed_parameters(Module& root);

// Sets lr_mult, wd_mult and eps_mult of every parameter of `root` from its
// scope's parameterization, else from `p` (the model's).
void assign_multipliers(Module& root, const Parameterization& p);

}  // namespace weft
