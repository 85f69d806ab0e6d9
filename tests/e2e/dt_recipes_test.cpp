// Every recipe shipped under recipes/dt/ goes through the offline-RL workflow
// from the CLI: collect the dataset its data.path names (few episodes), train
// with --until, resume to the end, evaluate by rollout, inspect the run. The
// recipes are used as shipped; only sizes are cut with --set.
#include <regex>

#include "e2e_util.h"

using namespace weft::e2e;

namespace {

// "  key: value" under the top-level "data:" of a resolved recipe.
std::string data_field(const std::string& resolved, const std::string& key) {
  const size_t data = resolved.find("\ndata:\n");
  REQUIRE(data != std::string::npos);
  const std::regex line("\n  " + key + ": ([^\n]+)");
  std::smatch m;
  const std::string tail = resolved.substr(data);
  REQUIRE(std::regex_search(tail, m, line));
  return m[1];
}

}  // namespace

TEST_SUITE("e2e_dt_recipes") {
  TEST_CASE("every recipe in recipes/dt/ collects, trains, resumes, evaluates and inspects") {
    const fs::path root = WEFT_SOURCE_DIR;
    Scratch s("dt_recipes");
    int n = 0;
    for (auto& e : fs::directory_iterator(root / "recipes/dt")) {
      if (e.path().extension() != ".yaml") continue;
      ++n;
      const std::string recipe = e.path().string(), name = e.path().stem().string();
      INFO(recipe);
      Result in = run("inspect '" + recipe + "' --json", s.dir);
      if (in.code != 0) FAIL(in.out);
      const std::string resolved = nlohmann::json::parse(in.out)["recipe"];
      // data/rl/<env>-<policy>.safetensors: the name says which data to collect.
      const std::string path = data_field(resolved, "path"), env = data_field(resolved, "env");
      const std::string stem = fs::path(path).stem().string();
      REQUIRE(stem.rfind(env + "-", 0) == 0);
      const std::string policy = stem.substr(env.size() + 1);
      if (!fs::exists(s.dir / path)) {
        Result c = run("dataset collect " + env + " --policy " + policy + " --episodes 6 --seed 1 --out " + path, s.dir);
        INFO(c.out);
        REQUIRE(c.code == 0);
      }
      const std::string small =
          " --set train.steps=4 --set train.batch=4 --set train.ckpt_every=2 --set train.eval_every=0 --set train.log_every=1"
          " --set schedule.warmup=1 --set eval.rollout.episodes=1 --set eval.rollout.max_steps=10";
      Result t = run("train '" + recipe + "' --run-dir runs/" + name + " --until 2" + small, s.dir);
      INFO(t.out);
      REQUIRE(t.code == 0);
      Result r = run("resume runs/" + name, s.dir);
      INFO(r.out);
      REQUIRE(r.code == 0);
      CHECK(train_losses(s.dir / "runs" / name).size() == 4);
      Result ev = run("eval runs/" + name + " --json", s.dir);
      INFO(ev.out);
      REQUIRE(ev.code == 0);
      auto ej = nlohmann::json::parse(ev.out);
      CHECK(ej["primary"] == "return");
      CHECK(ej["step"] == 4);
      CHECK(std::isfinite(ej["return"].get<double>()));
      Result ir = run("inspect runs/" + name, s.dir);
      INFO(ir.out);
      CHECK(ir.code == 0);
    }
    CHECK(n >= 9);
  }
}
