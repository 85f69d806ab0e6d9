// weft dataset collect|info — offline RL datasets: roll a behaviour policy out
// in a registered environment and write the trajectories (rl/collect.h).
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "weft/rl/collect.h"

namespace weft::cli {

Runner add_dataset(CLI::App& app) {
  auto* cmd = app.add_subcommand("dataset", "Offline RL datasets: collect trajectories in an environment, show a file");
  cmd->require_subcommand(1);
  auto* collect = cmd->add_subcommand("collect", "Roll a behaviour policy out and write a safetensors dataset (D4RL keys)");
  auto* info = cmd->add_subcommand("info", "Print a dataset's metadata");
  struct Opts {
    CollectOptions c;
    std::string out, file;
  };
  auto o = std::make_shared<Opts>();
  o->c.policy = "medium";
  collect->add_option("env", o->c.env, "registered environment (weft layers lists them)")->required();
  std::string policies;
  for (auto& p : behaviour_policies()) policies += (policies.empty() ? "" : "|") + p;
  collect->add_option("--policy", o->c.policy, policies)->capture_default_str();
  collect->add_option("--episodes", o->c.episodes, "episodes to collect")->capture_default_str();
  collect->add_option("--seed", o->c.seed, "seed of the resets and the policy's noise")->capture_default_str();
  collect->add_option("--out", o->out, "output file (.safetensors)")->required();
  info->add_option("file", o->file, "dataset file")->required();
  return [cmd, collect, info, o]() -> int {
    if (!*cmd) return -1;
    if (*collect) {
      OfflineData d = collect_dataset(o->c);
      write_offline_data(o->out, d);
      char line[200];
      std::snprintf(line, sizeof line, "return %.1f ± %.1f (random %.1f, expert %.1f)",
                    std::stod(d.metadata["return_mean"]), std::stod(d.metadata["return_std"]),
                    std::stod(d.metadata["ref_random_return"]), std::stod(d.metadata["ref_expert_return"]));
      std::cout << "wrote " << o->out << ": " << d.trajectories.size() << " episodes of " << o->c.env << " ("
                << o->c.policy << "), " << line << "\n";
      return 0;
    }
    (void)info;
    OfflineData d = read_offline_data(o->file);
    size_t steps = 0;
    for (auto& t : d.trajectories) steps += t.rewards.size();
    std::cout << o->file << ": " << d.trajectories.size() << " episodes, " << steps << " steps\n";
    for (auto& [k, v] : d.metadata) std::cout << "  " << k << ": " << v << "\n";
    return 0;
  };
}

}  // namespace weft::cli
