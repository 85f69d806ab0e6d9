// weft eval RUN_DIR|CHECKPOINT [--split val|test] [--json] [--from step_N]
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/trainer.h"

namespace weft::cli {

Runner add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a checkpoint over a whole data split; writes eval.json");
  struct Opts {
    std::string path, split = "val", from;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("path", o->path, "run folder (uses checkpoints/LATEST) or a checkpoint folder")->required();
  cmd->add_option("--split", o->split, "val | test")->check(CLI::IsMember({"val", "test"}));
  cmd->add_option("--from", o->from, "checkpoint folder name inside the run (default: LATEST)");
  cmd->add_flag("--json", o->json, "print the result as one JSON object");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    namespace fs = std::filesystem;
    const fs::path step_dir = resolve_checkpoint(o->path, o->from);
    const fs::path run_dir = run_dir_of(step_dir);
    Recipe recipe = load_and_validate_recipe(run_dir / "recipe.yaml", {});
    Session s = session_from_checkpoint(step_dir, recipe);
    ResolvedView d = recipe.view().at("data");
    TextCorpus corpus = TextCorpus::load(d.get<std::string>("path"), d.get<std::string>("type"),
                                         d.get<double>("val_fraction"), d.get<double>("test_fraction"));
    if (corpus.vocab_json() != s.corpus->vocab_json())
      throw DataError("the corpus at " + d.get<std::string>("path") +
                      " no longer has the vocabulary the model was trained with");
    const Split split = parse_split(o->split);
    EvalResult e = evaluate(*s.model, corpus, split, recipe.get<int64_t>("train.batch"), s.model->context_length());
    const nlohmann::json state = load_checkpoint(step_dir).state;
    nlohmann::json out = {{"split", o->split},       {"loss", round_trip(e.loss)},
                          {"ppl", round_trip(e.ppl())}, {"tokens", e.tokens},
                          {"step", state.value("step", int64_t{0})}, {"checkpoint", step_dir.filename().string()}};
    if (corpus.kind() == "bytes") out["bpb"] = round_trip(e.bits_per_token());
    const fs::path file = run_dir / "eval.json", tmp = run_dir / "eval.json.tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << out.dump(2) << "\n";
    }
    fs::rename(tmp, file);
    if (o->json) {
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "eval " << o->split << " (" << e.tokens << " tokens, " << step_dir.filename().string()
                << "): loss " << e.loss << ", ppl " << e.ppl();
      if (corpus.kind() == "bytes") std::cout << ", " << e.bits_per_token() << " bits/byte";
      std::cout << "\nwrote " << file.string() << "\n";
    }
    return 0;
  };
}

}  // namespace weft::cli
