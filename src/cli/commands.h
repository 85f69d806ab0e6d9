// defines: the subcommand registrations (one file per subcommand) and the
// shared CLI helpers. Each add_* returns a runner that returns -1 when its
// subcommand was not given, else the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace weft::cli {

using Runner = std::function<int()>;

// The exit code of an exception (main.cpp's mapping: 1 runtime, 2 usage or
// recipe, 3 data, 4 checkpoint).
int exit_code_for(const std::exception& e);

Runner add_train(CLI::App& app);
Runner add_resume(CLI::App& app);
Runner add_eval(CLI::App& app);
Runner add_generate(CLI::App& app);
Runner add_inspect(CLI::App& app);
Runner add_bench(CLI::App& app);
Runner add_layers(CLI::App& app);
Runner add_ops(CLI::App& app);
Runner add_dataset(CLI::App& app);

}  // namespace weft::cli
