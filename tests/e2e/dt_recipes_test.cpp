// Every recipe shipped under recipes/dt/ goes through the offline-RL workflow
// from the CLI: collect the dataset its data.path names (few episodes), train
// with --until, resume to the end, evaluate by rollout, inspect the run. The
// recipes are used as shipped; only sizes are cut with --set.
#include "e2e_util.h"
#include "weft/train/recipe_schema.h"

using namespace weft::e2e;

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
      const weft::Recipe resolved = weft::load_and_validate_recipe(e.path(), {});
      // data/rl/<env>-<policy>.safetensors: the name says which data to collect.
      const std::string path = resolved.get<std::string>("data.path"), env = resolved.get<std::string>("data.env");
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
