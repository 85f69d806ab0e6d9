// weft eval RUN_DIR|CHECKPOINT [--split val|test] [--json] [--from step_N] [--set key=value]...
//           [--write-pruned DIR]
// With eval.prune.rate / eval.layers_to_keep (LayerDrop, the LayerDrop paper) the
// evaluation skips the pruned blocks; --write-pruned also writes the pruned
// model as a new run folder (blocks renumbered, recipe with model.keep_layers)
// that eval, generate and inspect read like any other.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/data/evaluator.h"
#include "weft/nn/layerdrop.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/metrics.h"
#include "weft/train/session.h"
#include "weft/train/state_schema.h"

namespace weft::cli {

namespace {

// The pruned model as a run folder: recipe.yaml = the run's recipe with
// model.keep_layers (original layer indices, so depth constants are kept) and
// the pruning reset; checkpoints/step_N/model.safetensors with blocks renumbered.
void write_pruned_run(const Session& s, const Recipe& recipe, const std::filesystem::path& run_dir,
                      const std::filesystem::path& step_dir, std::vector<std::string> sets,
                      const std::vector<int64_t>& keep, const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  WEFT_CHECK(!fs::exists(out / "recipe.yaml"), ConfigError, "--write-pruned: ", out.string(), " already holds a run");
  // keep indexes the built blocks; a model pruned before holds a subset of the original layers.
  const auto built = recipe.view().get_or<std::vector<int64_t>>("model.keep_layers", {});
  std::string layers;
  for (int64_t k : keep)
    layers += (layers.empty() ? "" : ",") + std::to_string(built.empty() ? k : built[static_cast<size_t>(k)]);
  sets.push_back("model.keep_layers=[" + layers + "]");
  sets.push_back("eval.prune.rate=0");
  sets.push_back("eval.layers_to_keep=[]");
  const Recipe pruned = load_and_validate_recipe(run_dir / "recipe.yaml", sets);
  fs::create_directories(out);
  write_resolved(pruned, out / "recipe.yaml");
  CheckpointContents c;
  NamedTensors all;
  for (auto& [name, p] : s.model->named_parameters()) all.emplace_back(name, p->tensor);
  c.model = prune_block_tensors(all, keep);
  const nlohmann::json state = load_checkpoint(step_dir).state;
  c.state = {{"step", state.value("step", int64_t{0})},
             {"data", s.data_description},
             {"pruned_from", fs::absolute(step_dir).lexically_normal().string()},
             {"model_keep_layers", nlohmann::json::parse("[" + layers + "]")},
             {"recipe_hash", recipe_hash(load_and_validate_recipe(out / "recipe.yaml", {}))}};
  record_run_recipe(c.state, out / "recipe.yaml");
  CheckpointWriter(out / "checkpoints", 0).save(c.state["step"].get<int64_t>(), c);
}

}  // namespace

Runner add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a checkpoint over a whole data split; writes eval.json");
  struct Opts {
    std::string path, split = "val", from, write_pruned, device;
    std::vector<std::string> sets;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("path", o->path, "run folder (uses checkpoints/LATEST) or a checkpoint folder")->required();
  cmd->add_option("--split", o->split, "val | test")->check(CLI::IsMember({"val", "test"}));
  cmd->add_option("--from", o->from, "checkpoint folder name inside the run (default: LATEST)");
  cmd->add_flag("--json", o->json, "print the result as one JSON object");
  cmd->add_option("--device", o->device, "cpu | cuda | emu: evaluate on this device instead of the recipe's");
  cmd->add_option("--set", o->sets,
                  "override a recipe key, e.g. eval.prune.rate=0.5 (LayerDrop every-other pruning) or "
                  "eval.layers_to_keep=[0,2,5]");
  cmd->add_option("--write-pruned", o->write_pruned,
                  "also write the pruned model as a run folder DIR (blocks renumbered; recipe gets model.keep_layers)");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    namespace fs = std::filesystem;
    const fs::path step_dir = resolve_checkpoint(o->path, o->from);
    const fs::path run_dir = run_dir_of(step_dir);
    std::vector<std::string> sets = o->sets;
    if (!o->device.empty()) sets.push_back("device=" + o->device);
    Recipe recipe = load_and_validate_recipe(run_dir / "recipe.yaml", sets);
    Session s = session_from_checkpoint(step_dir, recipe);
    std::vector<int64_t> keep = recipe.view().get_or<std::vector<int64_t>>("eval.layers_to_keep", {});
    if (!keep.empty())
      if (auto problem = kept_layers_problem(keep, s.model->num_blocks()))
        throw ConfigError("eval.layers_to_keep: " + *problem);
    if (const double rate = recipe.get<double>("eval.prune.rate"); rate > 0)
      keep = every_other_kept(s.model->num_blocks(), rate);
    if (!keep.empty()) s.model->set_kept_blocks(keep);
    if (!o->write_pruned.empty()) {
      if (keep.empty())
        throw ConfigError("--write-pruned needs a pruning: --set eval.prune.rate=R or --set eval.layers_to_keep=[...]");
      write_pruned_run(s, recipe, run_dir, step_dir, o->sets, keep, o->write_pruned);
    }
    std::shared_ptr<Dataset> data = build_dataset(recipe.view().at("data"));
    if (data->description() != s.data_description)
      throw DataError("the data of " + (run_dir / "recipe.yaml").string() +
                      " no longer matches what the model was trained on (its data description differs: a "
                      "changed vocabulary, sizes or statistics)");
    EvalRequest req;
    req.split = parse_split(o->split);
    req.batch = recipe.get<int64_t>("train.batch");
    EvalReport e = evaluator_for(*data, recipe.view())->evaluate(*s.model, *data, req);
    const nlohmann::json state = load_checkpoint(step_dir).state;
    const int64_t blocks_run = keep.empty() ? s.model->num_blocks() : static_cast<int64_t>(keep.size());
    nlohmann::json out = {{"split", o->split}, {"blocks", blocks_run}};
    for (auto& [k, v] : e.metrics.items()) out[k] = v.is_number_float() ? nlohmann::json(round_trip(v.get<double>())) : v;
    out["tokens"] = e.units;
    out["primary"] = e.primary;
    out["higher_is_better"] = e.higher_is_better;
    out["step"] = state.value("step", int64_t{0});
    out["checkpoint"] = step_dir.filename().string();
    const fs::path file = run_dir / "eval.json", tmp = run_dir / "eval.json.tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << out.dump(2) << "\n";
    }
    fs::rename(tmp, file);
    const fs::path records = run_dir / "eval.jsonl";
    fs::remove(records);
    if (!e.records.empty()) {
      const fs::path rtmp = run_dir / "eval.jsonl.tmp";
      {
        std::ofstream f(rtmp, std::ios::trunc);
        for (const auto& r : e.records) f << r.dump() << "\n";
      }
      fs::rename(rtmp, records);
    }
    if (o->json) {
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "eval " << o->split << " (" << e.units << " " << e.unit << ", " << step_dir.filename().string()
                << "): " << e.text << "\nwrote " << file.string()
                << (e.records.empty() ? "" : " and " + records.string()) << "\n";
    }
    return 0;
  };
}

}  // namespace weft::cli
