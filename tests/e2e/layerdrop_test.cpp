// End-to-end LayerDrop (the LayerDrop paper): training with block.layerdrop (and with
// block.attn_dropout) resumes bit for bit; `weft eval --set eval.prune.rate=0.5`
// prunes every other layer and `--write-pruned` writes a run folder that evaluates
// and generates alike.
#include "e2e_util.h"

using namespace weft::e2e;

namespace {

// Training with `base + drop` resumes bit for bit from --until 20, and the drops are
// real: the losses differ from training with `base` alone.
void check_drops_resume_exactly(const std::string& name, const std::string& base, const std::string& drop) {
  Scratch s(name);
  const auto dropped = check_resume_exact(s.dir, base + drop);
  Result plain = run("train recipes/tiny.yaml --run-dir runs/plain" + base, s.dir);
  REQUIRE(plain.code == 0);
  CHECK(train_losses(s.dir / "runs/plain") != dropped);
}

}  // namespace

TEST_SUITE("e2e_layerdrop") {
  TEST_CASE("layerdrop: 40 straight steps equal --until 20 then resume, bit for bit") {
    check_drops_resume_exactly("layerdrop_resume", " --set model.n_layers=4", " --set model.block.layerdrop=0.3");
  }

  TEST_CASE("attn_dropout: 40 straight steps equal --until 20 then resume, bit for bit") {
    // The attention-probability mask comes from the checkpointed dropout stream.
    check_drops_resume_exactly("attn_dropout_resume", "", " --set model.block.attn_dropout=0.2");
  }

  TEST_CASE("eval prunes every other layer; --write-pruned writes a run that evaluates the same") {
    Scratch s("layerdrop_prune");
    Result t =
        run("train recipes/tiny.yaml --run-dir runs/a --set model.n_layers=4 --set model.block.layerdrop=0.5 "
            "--set train.steps=20",
            s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);
    Result full = run("eval runs/a --json", s.dir);
    REQUIRE(full.code == 0);
    auto fj = nlohmann::json::parse(full.out);
    CHECK(fj["blocks"] == 4);
    Result pruned = run("eval runs/a --json --set eval.prune.rate=0.5 --write-pruned runs/a_pruned", s.dir);
    INFO(pruned.out);
    REQUIRE(pruned.code == 0);
    auto pj = nlohmann::json::parse(pruned.out.substr(pruned.out.find('{')));
    CHECK(pj["blocks"] == 2);
    CHECK(pj["loss"] != fj["loss"]);
    const std::string recipe = read_file(s.dir / "runs/a_pruned/recipe.yaml");
    CHECK(recipe.find("keep_layers: [0, 2]") != std::string::npos);
    // The pruned run folder is an ordinary run: its own eval gives the pruned loss.
    Result again = run("eval runs/a_pruned --json", s.dir);
    INFO(again.out);
    REQUIRE(again.code == 0);
    auto aj = nlohmann::json::parse(again.out);
    CHECK(aj["loss"] == pj["loss"]);
    CHECK(aj["blocks"] == 2);
    Result g = run("generate runs/a_pruned --prompt 'the ' --tokens 10 --seed 1", s.dir);
    CHECK(g.code == 0);
    // Recipe mistakes are exit 2 and say what is wrong, naming the key.
    const std::pair<const char*, const char*> mistakes[] = {
        {"eval runs/a --set eval.prune.rate=0.7", "eval.prune.rate"},
        {"eval runs/a --set eval.prune.rate=0.5 --set eval.layers_to_keep=[0,1]", "not both"},
        {"eval runs/a --write-pruned runs/x", "--write-pruned needs a pruning"},
        {"eval runs/a --set eval.layers_to_keep=[0,7]", "eval.layers_to_keep: layer 7 does not exist"}};
    for (auto [args, message] : mistakes) {
      Result r = run(args, s.dir);
      INFO(args << "\n" << r.out);
      CHECK(r.code == 2);
      CHECK(r.out.find(message) != std::string::npos);
    }
    Result keep = run("eval runs/a --json --set eval.layers_to_keep=[0,3]", s.dir);
    INFO(keep.out);
    REQUIRE(keep.code == 0);
    CHECK(nlohmann::json::parse(keep.out)["blocks"] == 2);
  }
}
