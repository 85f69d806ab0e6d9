// weft command-line entry point: CLI11 app, exception-to-exit-code mapping
// (the README's architecture map: 0 ok, 1 runtime, 2 usage/recipe, 3 data, 4 checkpoint, 130 interrupted).
#include <cstdio>
#include <string>
#include <iostream>
#include <vector>

#include <xxhash.h>

#include "commands.h"
#include "weft/core/error.h"
#include "weft/dist/communicator.h"
#include "weft/dist/launch.h"
#include "weft/train/trainer.h"

namespace weft::cli {

int exit_code_for(const std::exception& e) {
  if (const auto* c = dynamic_cast<const weft::CollectiveFailure*>(&e)) return c->exit_code;
  if (dynamic_cast<const weft::ConfigError*>(&e)) return 2;
  if (dynamic_cast<const weft::DataError*>(&e)) return 3;
  if (dynamic_cast<const weft::CheckpointError*>(&e)) return 4;
  return 1;
}

}  // namespace weft::cli

namespace {

// Under mpirun: MPI is finalized on every normal return.
struct DistributedScope {
  DistributedScope(int* argc, char*** argv) {
    weft::init_distributed(argc, argv);
    // Only rank 0 prints progress; the others keep stderr for their own errors.
    if (weft::world().rank() != 0 && std::freopen("/dev/null", "w", stdout) == nullptr) std::fclose(stdout);
  }
  ~DistributedScope() { weft::finalize_distributed(); }
};

int run_cli(int argc, char** argv);

}  // namespace

int main(int argc, char** argv) {
  int code = 0;
  try {
    DistributedScope scope(&argc, &argv);
    code = run_cli(argc, argv);
  } catch (const std::exception& e) {  // MPI could not start
    std::cerr << "weft: error: " << e.what() << "\n";
    return weft::cli::exit_code_for(e);
  }
  return code;
}

namespace {

int run_cli(int argc, char** argv) {
  using weft::cli::exit_code_for;
  weft::Communicator& w = weft::world();
  {
    std::string line;
    for (int i = 1; i < argc; ++i) line += std::string(argv[i]) + '\0';
    weft::set_command_token(XXH3_64bits(line.data(), line.size()));
  }
  CLI::App app{
      "weft: train transformer variants from YAML recipes (C++20; training on CPU, CUDA kernels built).\n"
      "Every model, block, attention, data, evaluator, optimizer and parameterization type a recipe\n"
      "can name is listed with its options by `weft layers`.\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 usage or recipe error, 3 data error, 4 checkpoint error,\n"
      "130 interrupted (after a checkpoint was saved).\n"
      "Under mpirun, train, resume and bench run data-parallel over the ranks (README: \"Training on\n"
      "several processes and machines\")."};
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
  } catch (const weft::CollectiveFailure& e) {  // the same on every rank: rank 0 says it
    if (w.rank() == 0) std::cerr << "weft: error: " << e.what() << "\n";
    return e.exit_code;
  } catch (const weft::TrainingDiverged& e) {  // every rank saw the same loss and gradient norm
    if (w.rank() == 0) std::cerr << "weft: error: " << e.what() << "\n";
    return exit_code_for(e);
  } catch (const std::exception& e) {
    if (w.size() == 1) {
      std::cerr << "weft: error: " << e.what() << "\n";
      return exit_code_for(e);
    }
    // This rank alone failed while the others may wait in a collective: end the job.
    std::cerr << "weft: error: rank " << w.rank() << " of " << w.size() << ": " << e.what() << "\n" << std::flush;
    w.abort(exit_code_for(e));
    return 1;  // not reached: abort() ends the job
  }
}

}  // namespace
