// weft inspect RECIPE.yaml|RUN_DIR|CHECKPOINT [--set k=v]... [--json]
// The resolved recipe, a parameter table (name, shape, count), the total and FLOPs per token.
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/data/text_dataset.h"
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
    std::shared_ptr<LanguageModel> model;
    if (fs::is_directory(o->path)) {
      const fs::path step_dir = resolve_checkpoint(o->path);
      recipe = load_and_validate_recipe(run_dir_of(step_dir) / "recipe.yaml", o->sets);
      model = session_from_checkpoint(step_dir, recipe).model;
    } else {
      recipe = load_and_validate_recipe(o->path, o->sets);
      // The vocabulary comes from the data: bytes is always 256; chars needs the corpus.
      ResolvedView d = recipe.view().at("data");
      int64_t vocab = 256;
      if (recipe.has("model.vocab"))
        vocab = recipe.get<int64_t>("model.vocab");
      else if (d.get<std::string>("type") == "chars")
        vocab = TextCorpus::load(d.get<std::string>("path"), "chars", d.get<double>("val_fraction"),
                                 d.get<double>("test_fraction"))
                    .vocab_size();
      model = build_model(recipe.view(), vocab);
    }
    nlohmann::json params = nlohmann::json::array();
    for (auto& [name, p] : model->named_parameters())
      params.push_back({{"name", name},
                        {"shape", p->tensor.shape()},
                        {"count", p->tensor.numel()},
                        {"role", std::string(role_name(p->role))}});
    const int64_t total = model->num_parameters();
    if (o->json) {
      nlohmann::json out = {{"recipe", dump_resolved(recipe)},
                            {"params", params},
                            {"total_params", total},
                            {"flops_per_token", model->flops_per_token()},
                            {"recipe_hash", recipe_hash(recipe)}};
      std::cout << out.dump() << "\n";
      return 0;
    }
    std::cout << "# resolved recipe (hash " << recipe_hash(recipe) << ")\n" << dump_resolved(recipe) << "\n";
    size_t w = 4;
    for (auto& p : params) w = std::max(w, p["name"].get<std::string>().size());
    std::cout << std::left << std::setw(static_cast<int>(w) + 2) << "name" << std::setw(18) << "shape"
              << std::right << std::setw(12) << "count" << "\n";
    for (auto& p : params) {
      std::string shape = "[";
      for (size_t i = 0; i < p["shape"].size(); ++i) shape += (i ? ", " : "") + std::to_string(p["shape"][i].get<int64_t>());
      shape += "]";
      std::cout << std::left << std::setw(static_cast<int>(w) + 2) << p["name"].get<std::string>() << std::setw(18)
                << shape << std::right << std::setw(12) << p["count"].get<int64_t>() << "\n";
    }
    std::cout << "total parameters: " << total << "\n"
              << "training FLOPs per token: " << std::setprecision(4) << model->flops_per_token() << "\n";
    return 0;
  };
}

}  // namespace weft::cli
