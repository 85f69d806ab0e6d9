// weft inspect RECIPE.yaml|RUN_DIR|CHECKPOINT [--set k=v]... [--json]
// The resolved recipe, a parameter table (name, shape, count, and from the
// parameterization: group, init std, lr / wd / eps multipliers), the model's
// residual / output / input multipliers, the total and FLOPs per token.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/data/dataset.h"
#include "weft/optim/optimizer.h"
#include "weft/param/multipliers.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/session.h"

namespace weft::cli {

Runner add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show a recipe's resolved form, parameter table and FLOPs per token");
  struct Opts {
    std::string path;
    std::vector<std::string> sets;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("path", o->path, "recipe file, run folder or checkpoint folder")->required();
  cmd->add_option("--set", o->sets, "override a recipe key (recipes only)");
  cmd->add_flag("--json", o->json, "print one JSON object with a `params` list");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    namespace fs = std::filesystem;
    Recipe recipe;
    std::shared_ptr<Model> model;
    if (fs::is_directory(o->path)) {
      const fs::path step_dir = resolve_checkpoint(o->path);
      recipe = load_and_validate_recipe(run_dir_of(step_dir) / "recipe.yaml", o->sets);
      model = session_from_checkpoint(step_dir, recipe).model;
    } else {
      recipe = load_and_validate_recipe(o->path, o->sets);
      // What the model needs from the data: from the recipe when the data type can
      // tell (bytes), else from reading the data.
      ResolvedView d = recipe.view().at("data");
      std::optional<nlohmann::json> desc = DatasetRegistry::instance().describe(d);
      model = build_model_within_memory(recipe.view(), desc ? *desc : build_dataset(d)->description(), 1);
    }
    // Multipliers as build_model assigned them from the recipe (param/multipliers.h).
    const Parameterization& pz = model->parameterization();
    nlohmann::json params = nlohmann::json::array();
    for (const PlacedParameter& pp : placed_parameters(*model)) {
      const Parameter& p = *pp.param;
      params.push_back({{"name", pp.name},
                        {"shape", p.tensor.shape()},
                        {"count", p.tensor.numel()},
                        {"role", std::string(role_name(p.role))},
                        {"group", group_name(param_group(pp.request))},
                        {"init_std", p.init_std},
                        {"lr_mult", p.lr_mult},
                        {"wd_mult", p.wd_mult},
                        {"decays", role_decays_by_default(p.role)},
                        {"eps_mult", p.eps_mult}});
    }
    const int64_t total = model->num_parameters();
    nlohmann::json stacks = nlohmann::json::array();
    for (const StackSummary& st : model->stacks())
      stacks.push_back({{"name", st.name},
                        {"block", st.block_type},
                        {"d_model", st.width},
                        {"n_layers", st.depth},
                        {"n_heads", st.n_heads},
                        {"param_type", st.param->name()},
                        {"residual_mult", st.param->residual_mult()}});
    if (o->json) {
      nlohmann::json out = {{"recipe", dump_resolved(recipe)},
                            {"params", params},
                            {"stacks", stacks},
                            {"param_type", pz.name()},
                            {"residual_mult", pz.residual_mult()},
                            {"output_mult", pz.output_mult()},
                            {"input_mult", pz.input_mult()},
                            {"total_params", total},
                            {"flops_per_token", model->flops_per_unit()},
                            {"recipe_hash", recipe_hash(recipe)}};
      std::cout << out.dump() << "\n";
      return 0;
    }
    std::cout << "# resolved recipe (hash " << recipe_hash(recipe) << ")\n" << dump_resolved(recipe) << "\n";
    size_t w = 4;
    for (auto& p : params) w = std::max(w, p["name"].get<std::string>().size());
    std::cout << std::left << std::setw(static_cast<int>(w) + 2) << "name" << std::setw(16) << "shape" << std::right
              << std::setw(10) << "count" << "  " << std::left << std::setw(14) << "group" << std::right
              << std::setw(10) << "init_std" << std::setw(10) << "lr_mult" << std::setw(10) << "wd_mult"
              << std::setw(10) << "eps_mult" << "\n";
    auto num = [](double v) {
      std::ostringstream s;
      s << std::setprecision(4) << v;
      return s.str();
    };
    for (auto& p : params) {
      std::string shape = "[";
      for (size_t i = 0; i < p["shape"].size(); ++i) shape += (i ? ", " : "") + std::to_string(p["shape"][i].get<int64_t>());
      shape += "]";
      // The optimizer's role mask (optimizer.h) turns decay off for this role whatever wd_mult says.
      const std::string wd = num(p["wd_mult"].get<double>()) + (p["decays"].get<bool>() ? "" : "*");
      std::cout << std::left << std::setw(static_cast<int>(w) + 2) << p["name"].get<std::string>() << std::setw(16)
                << shape << std::right << std::setw(10) << p["count"].get<int64_t>() << "  " << std::left
                << std::setw(14) << p["group"].get<std::string>() << std::right << std::setw(10)
                << num(p["init_std"].get<double>()) << std::setw(10) << num(p["lr_mult"].get<double>())
                << std::setw(10) << wd << std::setw(10) << num(p["eps_mult"].get<double>()) << "\n";
    }
    std::cout << "parameterization " << pz.name() << ": residual_mult " << num(pz.residual_mult()) << ", output_mult "
              << num(pz.output_mult()) << ", input_mult " << num(pz.input_mult())
              << " (* = not decayed: the optimizer's default role mask)\n";
    for (auto& st : stacks)
      std::cout << "stack " << st["name"].get<std::string>() << ": " << st["n_layers"] << " x "
                << st["block"].get<std::string>() << ", d_model " << st["d_model"] << ", " << st["n_heads"]
                << " heads, " << st["param_type"].get<std::string>() << " residual_mult "
                << num(st["residual_mult"].get<double>()) << "\n";
    std::cout << "total parameters: " << total << "\n"
              << "training FLOPs per unit (token, timestep): " << std::setprecision(4) << model->flops_per_unit()
              << "\n";
    return 0;
  };
}

}  // namespace weft::cli
