// weft train RECIPE.yaml [--run-dir DIR] [--set key.path=value]... [--device cpu|cuda|emu] [--until STEP]
//            [--activations FILE.jsonl]
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.h"
#include "weft/dist/communicator.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/trainer.h"

namespace weft::cli {

Runner add_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a model from a recipe into a run folder");
  struct Opts {
    std::string recipe, run_dir, device;
    std::vector<std::string> sets;
    int64_t until = -1;
    std::string activations;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("recipe", o->recipe, "recipe file (YAML)")->required();
  cmd->add_option("--run-dir", o->run_dir, "run folder (default: runs/<recipe name>)");
  cmd->add_option("--set", o->sets, "override a recipe key: --set optim.lr=1e-3 (repeatable; YAML values)");
  cmd->add_option("--device", o->device, "cpu | cuda | emu (overrides the recipe's device)");
  cmd->add_option("--until", o->until, "stop after this step with a checkpoint (the schedule keeps the full length)");
  cmd->add_option("--activations", o->activations,
                  "write mean |activation| of the embedding, each block and the logits per step to this JSONL file "
                  "(coordinate checks: scripts/coord_check.sh)");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    std::vector<std::string> sets = o->sets;
    if (!o->device.empty()) sets.push_back("device=" + o->device);
    std::optional<Trainer> t;
    // Under mpirun every rank builds the same; a failure on any rank, or ranks
    // started differently (the recipe hash), stops them all with one message.
    agreed(world(), [&] {
      // Everything is validated and the data is read before the run folder is touched.
      Recipe recipe = load_and_validate_recipe(o->recipe, sets);
      Session s = build_session(std::move(recipe), true);
      std::filesystem::path run_dir =
          o->run_dir.empty() ? std::filesystem::path("runs") / std::filesystem::path(o->recipe).stem()
                             : std::filesystem::path(o->run_dir);
      if (std::filesystem::exists(run_dir / "recipe.yaml"))
        throw ConfigError("run folder " + run_dir.string() +
                          " already holds a run; continue it with `weft resume " + run_dir.string() +
                          "` or choose another --run-dir");
      std::cout << "weft train: " << o->recipe << " -> " << run_dir.string() << " (" << s.model->num_parameters()
                << " parameters, " << s.data->summary()
                << (world().size() > 1 ? ", " + std::to_string(world().size()) + " ranks" : std::string()) << ")\n";
      t.emplace(Trainer::start(std::move(s), run_dir));
    }, exit_code_for);
    if (!o->activations.empty()) t->log_activations(o->activations);
    return t->run(o->until >= 0 ? std::optional<int64_t>(o->until) : std::nullopt);
  };
}

}  // namespace weft::cli
