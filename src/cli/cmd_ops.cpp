// weft ops — the tensor ops (op_list.def), each with forward and backward.
#include <iostream>

#include "commands.h"
#include "weft/ops/op.h"

namespace weft::cli {

Runner add_ops(CLI::App& app) {
  auto* cmd = app.add_subcommand("ops", "List the tensor ops (each has a forward, a backward and a gradient check)");
  return [cmd]() -> int {
    if (!*cmd) return -1;
    for (size_t i = 0; i < kOpCount; ++i)
      std::cout << kOpNames[i] << "\t" << kOpFamilies[i] << (kOpDifferentiable[i] ? "" : "\t(no gradient)") << "\n";
    return 0;
  };
}

}  // namespace weft::cli
