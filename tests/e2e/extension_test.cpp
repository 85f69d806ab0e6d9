// Extending weft with a layer (README "Adding a layer"): the user block in
// tests/extension/rezero_block.cpp, linked into build/weft_ext the way
// WEFT_EXTRA_SOURCES links a user's file into weft, is listed by `weft layers`,
// validated and trained from a recipe; plain weft does not know it.
#include <cmath>
#include <fstream>
#include <map>

#include "e2e_util.h"

using namespace weft::e2e;

namespace {
Result run_ext(const std::string& args, const fs::path& cwd) {
  return run(args, cwd, WEFT_EXT_BINARY);
}
}  // namespace

TEST_SUITE("e2e_extension") {
  TEST_CASE("a user block in its own file is registered with one line and trains from a recipe") {
    Scratch s("extension");
    const std::string recipe = std::string(WEFT_SOURCE_DIR) + "/tests/extension/rezero.yaml";
    Result layers = run_ext("layers", s.dir);
    REQUIRE(layers.code == 0);
    CHECK(layers.out.find("rezero: ReZero") != std::string::npos);
    CHECK(layers.out.find("alpha_init") != std::string::npos);
    Result bad = run_ext("inspect '" + recipe + "' --set model.block.alpha_innit=1", s.dir);
    CHECK(bad.code == 2);
    CHECK(bad.out.find("did you mean 'alpha_init'") != std::string::npos);
    Result t = run_ext("train '" + recipe + "' --run-dir runs/rz", s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);
    auto losses = train_losses(s.dir / "runs/rz");
    REQUIRE(losses.size() == 4);
    CHECK(losses.back() < losses.front());
    const std::string params = run_ext("inspect runs/rz", s.dir).out;
    CHECK(params.find("blocks.2.alpha") != std::string::npos);
    // weft itself, built without the file, refuses the type (a recipe error).
    Result plain = run("inspect '" + recipe + "'", s.dir);
    CHECK(plain.code == 2);
    CHECK(plain.out.find("unknown type 'rezero'") != std::string::npos);
  }

  TEST_CASE("a user task (dataset, evaluator, model in their own files) trains, resumes exactly, evaluates, benches") {
    Scratch s("extension_task");
    const std::string recipe = std::string(WEFT_SOURCE_DIR) + "/tests/extension/running_sum.yaml";
    Result layers = run_ext("layers", s.dir);
    REQUIRE(layers.code == 0);
    for (const char* t : {"running_sum: ", "running_sum_model: ", "running_sum_mse: "})
      CHECK(layers.out.find(t) != std::string::npos);
    Result bad = run_ext("inspect '" + recipe + "' --set data.train_sampels=10", s.dir);
    CHECK(bad.code == 2);
    CHECK(bad.out.find("did you mean 'train_samples'") != std::string::npos);
    Result insp = run_ext("inspect '" + recipe + "' --json", s.dir);
    REQUIRE(insp.code == 0);
    const auto ij = nlohmann::json::parse(insp.out);
    REQUIRE(ij["stacks"].size() == 1);
    CHECK(ij["stacks"][0]["block"] == "pre_ln");

    // 40 steps straight, and 10 + resume to 40: every loss and the weights bit for bit.
    Result a = run_ext("train '" + recipe + "' --run-dir runs/straight", s.dir);
    INFO(a.out);
    REQUIRE(a.code == 0);
    CHECK(a.out.find("eval step 40: val mse ") != std::string::npos);
    Result b1 = run_ext("train '" + recipe + "' --run-dir runs/split --until 10", s.dir);
    REQUIRE(b1.code == 0);
    Result b2 = run_ext("resume runs/split", s.dir);
    INFO(b2.out);
    REQUIRE(b2.code == 0);
    auto la = train_losses(s.dir / "runs/straight"), lb = train_losses(s.dir / "runs/split");
    REQUIRE(la.size() == 8);
    REQUIRE(lb.size() == 8);
    for (size_t i = 0; i < la.size(); ++i) CHECK(la[i] == lb[i]);
    CHECK(final_weights(s.dir / "runs/straight") == final_weights(s.dir / "runs/split"));

    // Its own metric through weft eval --json, and the eval records of metrics.jsonl.
    Result e = run_ext("eval runs/straight --json", s.dir);
    INFO(e.out);
    REQUIRE(e.code == 0);
    const auto ej = nlohmann::json::parse(e.out);
    CHECK(ej["primary"] == "mse");
    CHECK(ej["higher_is_better"] == false);
    CHECK(ej["tokens"] == 64 * 16);
    const double mse = ej["mse"].get<double>();
    CHECK(mse > 0);
    CHECK(std::abs(ej["rmse"].get<double>() - std::sqrt(mse)) < 1e-6);
    std::map<int64_t, double> val_mse;  // the trainer's eval records carry the evaluator's metrics
    std::ifstream metrics(s.dir / "runs/straight/metrics.jsonl");
    for (std::string line; std::getline(metrics, line);) {
      auto j = nlohmann::json::parse(line);
      if (j["kind"] == "eval") val_mse[j["step"].get<int64_t>()] = j["mse"].get<double>();
    }
    REQUIRE(val_mse.size() == 2);
    CHECK(val_mse[40] < val_mse[20]);  // it learns
    CHECK(val_mse[40] == doctest::Approx(mse).epsilon(1e-6));
    // The evaluator's own options: eval.<type>.<key>.
    Result part = run_ext("eval runs/straight --json --set eval.running_sum_mse.max_samples=8", s.dir);
    INFO(part.out);
    REQUIRE(part.code == 0);
    CHECK(nlohmann::json::parse(part.out)["tokens"] == 8 * 16);
    Result typo = run_ext("eval runs/straight --set eval.running_sum_mse.max_sampels=8", s.dir);
    CHECK(typo.code == 2);
    CHECK(typo.out.find("did you mean 'max_samples'") != std::string::npos);
    Result g = run_ext("generate runs/straight", s.dir);
    CHECK(g.code == 2);
    CHECK(g.out.find("does not generate text") != std::string::npos);

    Result bench = run_ext("bench '" + recipe + "' --steps 3 --warmup 1 --json", s.dir);
    INFO(bench.out);
    REQUIRE(bench.code == 0);
    const auto bj = nlohmann::json::parse(bench.out);
    CHECK(bj["tokens_per_step"].get<double>() == 8 * 16);
    CHECK(bj["tokens_per_s"].get<double>() > 0);
  }
}
