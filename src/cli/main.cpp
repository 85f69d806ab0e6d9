// weft command-line entry point: CLI11 app, exception-to-exit-code mapping
// (ARCHITECTURE.md: 0 ok, 1 runtime, 2 usage/recipe, 3 data, 4 checkpoint, 130 interrupted).
#include <CLI/CLI.hpp>
#include <iostream>

#include "weft/backend/dispatch.h"
#include "weft/core/error.h"
#include "weft/ops/op.h"

namespace {

int exit_code_for(const std::exception& e) {
  if (dynamic_cast<const weft::ConfigError*>(&e)) return 2;
  if (dynamic_cast<const weft::DataError*>(&e)) return 3;
  if (dynamic_cast<const weft::CheckpointError*>(&e)) return 4;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"weft — train transformer variants from YAML recipes (C++20, CPU and CUDA)"};
  app.set_version_flag("--version", std::string("weft 0.1.0"));
  app.require_subcommand(0, 1);

  auto* ops_cmd = app.add_subcommand("ops", "List the tensor ops weft implements (each with forward and backward)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*ops_cmd) {
      for (size_t i = 0; i < weft::kOpCount; ++i)
        std::cout << weft::kOpNames[i] << "\t" << weft::kOpFamilies[i]
                  << (weft::kOpDifferentiable[i] ? "" : "\t(no gradient)") << "\n";
      return 0;
    }
    std::cout << app.help();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "weft: error: " << e.what() << "\n";
    return exit_code_for(e);
  }
}
