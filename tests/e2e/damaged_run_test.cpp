// End-to-end, damaged run folders (issue findings 3, 7-10, 12, 13): state.json
// edits with and without a matching checksum, an edited recipe.yaml, NaN
// weights, device: cuda, data that cannot feed the model and a model too large
// for memory. Each must exit with its code and a message naming the file and
// the field; nothing may run on, and no run folder may be left behind.
#include <functional>
#include <limits>

#include "e2e_util.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/checkpoint/safetensors.h"

using namespace weft::e2e;
using json = nlohmann::json;

namespace {

const std::string kWeft = std::string("timeout 300 ") + WEFT_BINARY;

Result cli(const std::string& args, const fs::path& cwd) { return run(args, cwd, kWeft); }

void expect(const Result& r, int code, const std::vector<std::string>& mention) {
  INFO(r.out.substr(0, 2000));
  CHECK(r.code == code);
  for (auto& m : mention) CHECK(r.out.find(m) != std::string::npos);
  CHECK(r.out.find("json.exception") == std::string::npos);
}

const char* kTrain4 =
    "train recipes/tiny.yaml --run-dir runs/base --set train.steps=4 --set train.ckpt_every=2 "
    "--set train.eval_every=4 --set train.eval_batches=1 --set schedule.warmup=1 --set train.keep=0";

// A fresh copy of runs/base as runs/w; returns its LATEST checkpoint folder.
fs::path fresh_copy(Scratch& s) {
  fs::remove_all(s.dir / "runs/w");
  fs::copy(s.dir / "runs/base", s.dir / "runs/w", fs::copy_options::recursive);
  return s.dir / "runs/w/checkpoints/step_00000004";
}

// Rewrites state.json through `edit`, with a matching checksum (a deliberate edit).
template <typename F>
void reseal(const fs::path& step, F edit) {
  json st = json::parse(read_file(step / "state.json"));
  edit(st);
  st["state_xxh3"] = weft::state_checksum(st);
  write_file(step / "state.json", st.dump(2));
}

}  // namespace

TEST_SUITE("e2e_damaged") {
  TEST_CASE("state.json: typed, ranged, consistent fields; exit 4 naming the field and the file") {
    Scratch s("state");
    Result t = cli(kTrain4, s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);

    // Edited without updating the checksum: refused by it.
    fs::path step = fresh_copy(s);
    {
      json st = json::parse(read_file(step / "state.json"));
      st["tokens"] = st["tokens"].get<int64_t>() + 1;
      write_file(step / "state.json", st.dump(2));
    }
    expect(cli("resume runs/w --steps 6", s.dir), 4, {"state.json", "state_xxh3"});
    expect(cli("eval runs/w", s.dir), 4, {"state.json", "state_xxh3"});

    struct Case {
      const char* what;
      std::function<void(json&)> edit;
      std::string field;
      int code = 4;
    };
    const std::vector<Case> cases = {
        {"a key renamed by one bit", [](json& j) { j["schedule_stdp"] = j["schedule_step"]; j.erase("schedule_step"); },
         "'schedule_stdp'"},
        {"step 5.5", [](json& j) { j["step"] = 5.5; }, "'step'"},
        {"step \"10\"", [](json& j) { j["step"] = "10"; }, "'step'"},
        {"step 2^63", [](json& j) { j["step"] = uint64_t{1} << 63; }, "'step'"},
        {"step -5", [](json& j) { j["step"] = -5; }, "'step'"},
        {"step 3 (schedule_step 4)", [](json& j) { j["step"] = 3; }, "'schedule_step'"},
        {"step 1000 everywhere",
         [](json& j) { j["step"] = 1000; j["schedule_step"] = 1000; j["optimizer"]["t"] = 1000; }, "total_steps"},
        {"tokens -1", [](json& j) { j["tokens"] = -1; }, "'tokens'"},
        {"tokens missing", [](json& j) { j.erase("tokens"); }, "'tokens' is missing"},
        {"optimizer.t 0", [](json& j) { j["optimizer"]["t"] = 0; }, "'optimizer.t'"},
        {"schedule_step -3", [](json& j) { j["schedule_step"] = -3; }, "'schedule_step'"},
        {"another sampler.seed", [](json& j) { j["sampler"]["seed"] = 99; }, "'seed'"},
        {"another dropout_rng.seed", [](json& j) { j["dropout_rng"]["seed"] = 99; }, "'dropout_rng.seed'"},
        {"an unknown key", [](json& j) { j["zzz"] = 1; }, "'zzz' is not a known"},
        {"recipe_file missing", [](json& j) { j.erase("recipe_file"); }, "'recipe_file' is missing"},
        {"a changed vocabulary", [](json& j) { j["data"]["vocab"]["size"] = 255; }, "data description", 3},
    };
    for (const Case& c : cases) {
      CAPTURE(c.what);
      step = fresh_copy(s);
      reseal(step, c.edit);
      expect(cli("resume runs/w --steps 6", s.dir), c.code, {c.field});
      CHECK_FALSE(fs::exists(s.dir / "runs/w/checkpoints/step_00000006"));
    }
    // eval validates the fields it sees too.
    step = fresh_copy(s);
    reseal(step, [](json& j) { j["step"] = "10"; });
    expect(cli("eval runs/w", s.dir), 4, {"state.json", "'step'", "integer"});

    // Untouched: resume runs on. --steps lengthens the run for good: a later
    // plain resume continues to the new total (recorded as total_steps).
    fresh_copy(s);
    expect(cli("resume runs/w --steps 6 --until 5", s.dir), 0, {"at step 4 of 6"});
    expect(cli("resume runs/w", s.dir), 0, {"at step 5 of 6", "finished at step 6/6"});
  }

  TEST_CASE("an edited recipe.yaml is refused by eval, resume and generate (exit 4), a comment is not") {
    Scratch s("recipe");
    Result t = cli(kTrain4, s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);
    const std::string recipe = read_file(s.dir / "runs/base/recipe.yaml");
    for (auto [from, to] : {std::pair{"n_heads: 2", "n_heads: 4"}, std::pair{"lr: 0.003", "lr: 0.001"},
                            std::pair{"seed: 3", "seed: 4"}, std::pair{"activation: gelu", "activation: relu"}}) {
      CAPTURE(from);
      fresh_copy(s);
      std::string edited = recipe;
      const size_t at = edited.find(from);
      REQUIRE(at != std::string::npos);
      edited.replace(at, std::string(from).size(), to);
      write_file(s.dir / "runs/w/recipe.yaml", edited);
      for (const char* cmd : {"eval runs/w", "resume runs/w --steps 6", "generate runs/w --tokens 2"})
        expect(cli(cmd, s.dir), 4, {"recipe.yaml", "was edited", "weft train"});
    }
    fresh_copy(s);
    write_file(s.dir / "runs/w/recipe.yaml", "# a note\n" + recipe);
    expect(cli("eval runs/w", s.dir), 0, {});
  }

  TEST_CASE("non-finite weights with consistent checksums are refused at load, naming the tensor (exit 4)") {
    Scratch s("nan");
    Result t = cli(kTrain4, s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);
    const fs::path step = fresh_copy(s);
    weft::NamedTensors m = weft::read_safetensors(step / "model.safetensors");
    REQUIRE(!m.empty());
    const std::string name = m.back().first;
    m.back().second.fill_(std::numeric_limits<double>::quiet_NaN());
    weft::write_safetensors(step / "model.safetensors", m, {});
    reseal(step, [&](json& j) { j["files"]["model.safetensors"] = weft::file_digest_record(step / "model.safetensors"); });
    for (const char* cmd : {"eval runs/w", "generate runs/w --tokens 2", "resume runs/w --steps 6"})
      expect(cli(cmd, s.dir), 4, {"'" + name + "'", "NaN or infinite"});
  }

  TEST_CASE("device: cuda, unusable data and a model too large for memory: refused, no run folder left") {
    Scratch s("refused");
    expect(cli("train recipes/tiny.yaml --run-dir runs/c --set device=cuda", s.dir), 2,
           {"device 'cuda'", "no GPU is visible", "device: cpu"});
    CHECK_FALSE(fs::exists(s.dir / "runs/c"));

    write_file(s.dir / "data/short.txt", "too short for a window");
    expect(cli("train recipes/tiny.yaml --run-dir runs/d1 --set data.path=data/short.txt", s.dir), 3,
           {"short.txt", "seq_len 32"});
    CHECK_FALSE(fs::exists(s.dir / "runs/d1"));
    const Result v = cli("train recipes/tiny.yaml --run-dir runs/d2 --set data.val_fraction=0", s.dir);
    expect(v, 3, {"val split", "evaluation needs at least 2", "val_fraction"});
    CHECK(v.out.find("seq_len 1 ") == std::string::npos);
    CHECK_FALSE(fs::exists(s.dir / "runs/d2"));
    expect(cli("train recipes/tiny.yaml --run-dir runs/d3 --set model.seq_len=1048576", s.dir), 3, {"seq_len 1048576"});
    CHECK_FALSE(fs::exists(s.dir / "runs/d3"));
    // A run fixed after any of these starts in the same folder.
    expect(cli("train recipes/tiny.yaml --run-dir runs/d2 --set train.steps=2 --set schedule.warmup=1", s.dir), 0, {});

    const std::string huge = " --set model.d_model=65536 --set model.n_layers=8";
    expect(cli("inspect recipes/tiny.yaml" + huge, s.dir), 2, {"does not fit in memory", "d_model 65536", "n_layers 8"});
    expect(cli("train recipes/tiny.yaml --run-dir runs/h" + huge, s.dir), 2,
           {"does not fit in memory", "d_model 65536", "gradients"});
    CHECK_FALSE(fs::exists(s.dir / "runs/h"));
  }
}
