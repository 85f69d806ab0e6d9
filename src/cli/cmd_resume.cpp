// weft resume RUN_DIR [--steps N] [--until STEP] [--from step_N] [--device cpu|cuda|emu]
#include <iostream>
#include <optional>

#include "commands.h"
#include "weft/dist/communicator.h"
#include "weft/train/trainer.h"

namespace weft::cli {

Runner add_resume(CLI::App& app) {
  auto* cmd = app.add_subcommand("resume", "Continue a run from its latest checkpoint, exactly");
  struct Opts {
    std::string run_dir, from, device;
    int64_t steps = -1, until = -1;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("run_dir", o->run_dir, "run folder")->required();
  cmd->add_option("--steps", o->steps, "new total number of steps (changes the schedule's length)");
  cmd->add_option("--until", o->until, "stop after this step with a checkpoint");
  cmd->add_option("--device", o->device, "cpu | cuda | emu: run on this device instead of the recipe's (checkpoints "
                                          "are device-independent)");
  cmd->add_option("--from", o->from, "resume from this checkpoint folder (e.g. step_00000500) instead of LATEST");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    std::optional<Trainer> t;
    agreed(world(), [&] {
      t.emplace(Trainer::resume(o->run_dir, o->from, o->steps > 0 ? std::optional<int64_t>(o->steps) : std::nullopt,
                                o->device));
    }, exit_code_for);
    std::cout << "weft resume: " << o->run_dir << " at step " << t->step() << " of " << t->total_steps()
              << (world().size() > 1 ? " on " + std::to_string(world().size()) + " ranks" : std::string()) << "\n";
    return t->run(o->until >= 0 ? std::optional<int64_t>(o->until) : std::nullopt);
  };
}

}  // namespace weft::cli
