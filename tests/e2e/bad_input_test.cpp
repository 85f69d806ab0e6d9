// End-to-end: bad recipes (exit 2), missing data (exit 3), damaged checkpoints
// (exit 4) — each with a message naming the file/line/key — and nothing written.
#include <nlohmann/json.hpp>

#include "e2e_util.h"

using namespace weft::e2e;

namespace {

void expect_recipe_error(Scratch& s, const std::string& yaml, const std::vector<std::string>& mention,
                         const std::string& extra = "") {
  write_file(s.dir / "recipes/bad.yaml", yaml);
  Result r = run("train recipes/bad.yaml --run-dir runs/bad " + extra, s.dir);
  INFO(r.out);
  CHECK(r.code == 2);
  for (auto& m : mention) CHECK(r.out.find(m) != std::string::npos);
  CHECK_FALSE(fs::exists(s.dir / "runs/bad"));
}

std::string tiny(Scratch& s) { return read_file(s.dir / "recipes/tiny.yaml"); }

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto p = text.find(from);
  REQUIRE(p != std::string::npos);
  return text.replace(p, from.size(), to);
}

}  // namespace

TEST_SUITE("e2e_errors") {
  TEST_CASE("bad recipes: exit 2 with file:line and the key; nothing written") {
    Scratch s("recipes");
    expect_recipe_error(s, "seed: 1\nmodel: {type: gpt\n", {"bad.yaml:"});  // YAML syntax error
    expect_recipe_error(s, replace(tiny(s), "lr: 3.0e-3", "lrr: 3.0e-3"), {"bad.yaml:9", "optim.lrr", "did you mean 'lr'"});
    expect_recipe_error(s, replace(tiny(s), "steps: 40", "steps: forty"), {"bad.yaml:12", "train.steps"});
    expect_recipe_error(s, replace(tiny(s), "n_layers: 2", "n_layers: 0"), {"bad.yaml:5", "model.n_layers", "minimum"});
    expect_recipe_error(s, replace(tiny(s), "n_heads: 2", "n_heads: 3"), {"model.n_heads", "divide"});
    expect_recipe_error(s, tiny(s), {"--set", "optim.lrr"}, "--set optim.lrr=0.1");
    expect_recipe_error(s, replace(tiny(s), "type: pre_ln", "type: pre_lnn"), {"bad.yaml:8", "pre_ln"});
    // A bidirectional attention in a causal LM would read the next token.
    for (const char* t : {"cat", "cat_avgkey"})
      expect_recipe_error(s, replace(tiny(s), "type: pre_ln", std::string("type: pre_ln, attn: {type: ") + t + "}"),
                          {"block.attn.type", "bidirectional", "cat_causal"});
    // Every pluggable kind is a registered type: an unknown one is a recipe error
    // naming the key and the known types, never a silent fallback.
    expect_recipe_error(s, replace(tiny(s), "type: adamw", "type: adamm"),
                        {"bad.yaml:9", "optim.type", "did you mean 'adamw'", "sgd"});
    expect_recipe_error(s, tiny(s), {"param.type", "completep", "mup", "sp"}, "--set param.type=mupp");
    expect_recipe_error(s, replace(tiny(s), "type: bytes", "type: byts"), {"bad.yaml:11", "data.type", "chars"});
    expect_recipe_error(s, replace(tiny(s), "type: gpt", "type: gtp"), {"bad.yaml:3", "model.type", "gpt"});
    expect_recipe_error(s, tiny(s), {"param.type", "adamw", "sgd"}, "--set param.type=completep --set optim.type=sgd");
    // CAT has no attention probabilities to drop.
    expect_recipe_error(s, replace(tiny(s), "type: pre_ln", "type: pre_ln, attn_dropout: 0.1, attn: {type: cat_causal}"),
                        {"model.block.attn_dropout", "zeta_dropout"});
  }

  TEST_CASE("missing data path: exit 3, nothing written") {
    Scratch s("data");
    write_file(s.dir / "recipes/nodata.yaml", replace(tiny(s), "data/tiny.txt", "data/missing.txt"));
    Result r = run("train recipes/nodata.yaml --run-dir runs/nd", s.dir);
    INFO(r.out);
    CHECK(r.code == 3);
    CHECK(r.out.find("missing.txt") != std::string::npos);
    CHECK_FALSE(fs::exists(s.dir / "runs/nd"));
  }

  TEST_CASE("usage errors exit 2") {
    Scratch s("usage");
    CHECK(run("", s.dir).code == 2);
    CHECK(run("frobnicate", s.dir).code == 2);
    CHECK(run("train", s.dir).code == 2);
    CHECK(run("eval runs/x --split train", s.dir).code == 2);
    CHECK(run("--help", s.dir).code == 0);
  }

  TEST_CASE("damaged checkpoints: exit 4 naming the file, no silent fallback") {
    Scratch s("damage");
    Result t = run("train recipes/tiny.yaml --run-dir runs/d", s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);
    const fs::path ck = s.dir / "runs/d/checkpoints";
    const fs::path last = ck / "step_00000040";
    auto backup = [&](const fs::path& f) { return read_file(f); };
    auto expect_4 = [&](const std::string& what, const std::vector<std::string>& mention) {
      Result r = run("eval runs/d", s.dir);
      INFO(what << "\n" << r.out);
      CHECK(r.code == 4);
      for (auto& m : mention) CHECK(r.out.find(m) != std::string::npos);
    };
    const std::string model = backup(last / "model.safetensors");
    // truncated file
    write_file(last / "model.safetensors", model.substr(0, model.size() / 2));
    expect_4("truncated", {"model.safetensors"});
    // flipped byte in the data
    std::string flipped = model;
    flipped[flipped.size() - 3] ^= 0x40;
    write_file(last / "model.safetensors", flipped);
    expect_4("flipped byte", {"model.safetensors"});
    // absurd header length
    std::string absurd = model;
    for (int i = 0; i < 8; ++i) absurd[i] = static_cast<char>(0x7f);
    write_file(last / "model.safetensors", absurd);
    expect_4("absurd header", {"model.safetensors"});
    write_file(last / "model.safetensors", model);
    CHECK(run("eval runs/d", s.dir).code == 0);
    // missing optimizer file (resume needs it)
    const std::string optim = backup(last / "optim.safetensors");
    fs::remove(last / "optim.safetensors");
    Result r = run("resume runs/d --steps 50", s.dir);
    INFO(r.out);
    CHECK(r.code == 4);
    CHECK(r.out.find("optim.safetensors") != std::string::npos);
    write_file(last / "optim.safetensors", optim);
    // broken state.json
    const std::string state = backup(last / "state.json");
    write_file(last / "state.json", "{ not json");
    expect_4("broken state.json", {"state.json"});
    write_file(last / "state.json", state);
    // missing folder named by LATEST: an error, never a fallback to step_30
    fs::rename(last, ck / "moved");
    expect_4("missing folder", {"step_00000040"});
    // ...but an explicit --from picks the older one.
    Result older = run("eval runs/d --from step_00000030 --json", s.dir);
    INFO(older.out);
    CHECK(older.code == 0);
    CHECK(nlohmann::json::parse(older.out)["step"] == 30);
  }
}
