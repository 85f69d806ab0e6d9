// weft command-line entry point: CLI11 app, exception-to-exit-code mapping
// (the README's architecture map: 0 ok, 1 runtime, 2 usage/recipe, 3 data, 4 checkpoint, 130 interrupted).
#include <iostream>
#include <vector>

#include "commands.h"
#include "weft/core/error.h"

namespace {

int exit_code_for(const std::exception& e) {
  if (dynamic_cast<const weft::ConfigError*>(&e)) return 2;
  if (dynamic_cast<const weft::DataError*>(&e)) return 3;
  if (dynamic_cast<const weft::CheckpointError*>(&e)) return 4;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "weft: train transformer variants from YAML recipes (C++20; training on CPU, CUDA kernels built).\n"
      "Every model, block, attention, data, evaluator, optimizer and parameterization type a recipe\n"
      "can name is listed with its options by `weft layers`.\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 usage or recipe error, 3 data error, 4 checkpoint error,\n"
      "130 interrupted (after a checkpoint was saved)."};
  app.set_version_flag("--version", std::string("weft 0.1.0"));
  app.require_subcommand(1);
  std::vector<weft::cli::Runner> runners = {
      weft::cli::add_train(app),   weft::cli::add_resume(app),  weft::cli::add_eval(app),
      weft::cli::add_generate(app), weft::cli::add_inspect(app), weft::cli::add_bench(app),
      weft::cli::add_layers(app),
      weft::cli::add_ops(app),     weft::cli::add_dataset(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    // Each runner returns -1 unless its subcommand was given.
    for (auto& r : runners) {
      int code = r();
      if (code >= 0) return code;
    }
    std::cout << app.help();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "weft: error: " << e.what() << "\n";
    return exit_code_for(e);
  }
}
