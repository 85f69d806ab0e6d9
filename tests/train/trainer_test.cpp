// Trainer behaviour that the CLI tests cannot provoke: a non-finite loss stops
// the run naming the step and keeps the last good checkpoint; with
// train.on_nonfinite: skip_step such a step is dropped and the run goes on.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <vector>

#include "weft/train/recipe_schema.h"
#include "weft/train/trainer.h"

using namespace weft;
namespace fs = std::filesystem;

namespace {

// A scratch folder with a small corpus and a one-layer GPT recipe whose `train:`
// map each test chooses; removed when the test ends, passed or failed.
struct ScratchRun {
  fs::path dir;
  explicit ScratchRun(const std::string& name)
      : dir(fs::temp_directory_path() / ("weft_trainer_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream f(dir / "corpus.txt");
    for (int i = 0; i < 400; ++i) f << "the quick brown fox jumps over the lazy dog " << i << "\n";
  }
  ~ScratchRun() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  ScratchRun(const ScratchRun&) = delete;
  ScratchRun& operator=(const ScratchRun&) = delete;
  // `train` is the flow map's contents, e.g. "steps: 6, batch: 2, ckpt_every: 3".
  Session session(const std::string& train) const {
    {
      std::ofstream f(dir / "r.yaml", std::ios::trunc);
      f << "model: {type: gpt, d_model: 16, n_layers: 1, n_heads: 2, seq_len: 16}\n"
        << "schedule: {type: constant}\n"
        << "data: {type: bytes, path: " << (dir / "corpus.txt").string() << "}\n"
        << "train: {" << train << "}\n";
    }
    return build_session(load_and_validate_recipe(dir / "r.yaml", {}), true);
  }
};

}  // namespace

TEST_SUITE("train") {
  TEST_CASE("a non-finite loss stops the run at its step and keeps the last good checkpoint") {
    const ScratchRun run("nan");
    const fs::path& dir = run.dir;
    Trainer t =
        Trainer::start(run.session("steps: 30, batch: 2, log_every: 5, eval_every: 0, ckpt_every: 10"), dir / "run");
    CHECK(t.run(10) == 0);
    t.model().parameter("ln_f.weight").tensor.fill_(std::numeric_limits<double>::quiet_NaN());
    try {
      t.run();
      CHECK_MESSAGE(false, "expected TrainingDiverged");
    } catch (const TrainingDiverged& e) {
      CHECK(std::string(e.what()).find("step 11") != std::string::npos);
    }
    std::ifstream latest(dir / "run/checkpoints/LATEST");
    std::string name;
    latest >> name;
    CHECK(name == "step_00000010");
    CHECK_FALSE(fs::exists(dir / "run/checkpoints/step_00000011"));
  }

  TEST_CASE("train.on_nonfinite: skip_step drops a NaN step's update, counts it and goes on; 10 in a row stop") {
    const ScratchRun run("skip");
    auto recipe = [&](const std::string& on_nonfinite) {
      return run.session("steps: 30, batch: 2, log_every: 5, eval_every: 0, ckpt_every: 0, on_nonfinite: " +
                         on_nonfinite);
    };
    Trainer t = Trainer::detached(recipe("skip_step"));
    for (int i = 0; i < 3; ++i) CHECK_FALSE(t.step_once().skipped);
    // A NaN at step 4: poison one parameter for that step only.
    Tensor& gain = t.model().parameter("ln_f.weight").tensor;
    const Tensor saved = gain.clone();
    std::vector<std::pair<std::string, Tensor>> before;
    for (auto& [name, p] : t.model().named_parameters()) before.emplace_back(name, p->tensor.clone());
    gain.fill_(std::numeric_limits<double>::quiet_NaN());
    const StepResult r = t.step_once();
    CHECK(r.skipped);
    CHECK(std::isnan(r.loss));
    CHECK(t.step() == 4);
    CHECK(t.skipped_steps() == 1);
    gain.copy_(saved);
    // Nothing was updated: every parameter is as before the skipped step.
    for (auto& [name, old] : before) {
      CAPTURE(name);
      const auto a = t.model().parameter(name).tensor.to_vector<double>(), b = old.to_vector<double>();
      REQUIRE(a.size() == b.size());
      for (size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == b[i]);
    }
    // and the gradients were dropped: the next step is finite and updates.
    const StepResult next = t.step_once();
    CHECK_FALSE(next.skipped);
    CHECK(std::isfinite(next.loss));
    CHECK(t.model().parameter("ln_f.weight").tensor.to_vector<double>() != saved.to_vector<double>());
    CHECK(t.step() == 5);

    // Left NaN, the 10th skipped step in a row stops the run.
    gain.fill_(std::numeric_limits<double>::quiet_NaN());
    for (int64_t i = 1; i < kMaxConsecutiveSkips; ++i) CHECK(t.step_once().skipped);
    try {
      t.step_once();
      CHECK_MESSAGE(false, "expected TrainingDiverged");
    } catch (const TrainingDiverged& e) {
      CHECK(std::string(e.what()).find("10 steps in a row") != std::string::npos);
    }

    // The default (stop) throws at the first NaN.
    Trainer u = Trainer::detached(recipe("stop"));
    u.model().parameter("ln_f.weight").tensor.fill_(std::numeric_limits<double>::quiet_NaN());
    CHECK_THROWS_AS(u.step_once(), TrainingDiverged);
  }

  TEST_CASE("skip_step in a run: checkpointed as skipped_steps (optimizer.t = step - skipped), resume accepts it") {
    const ScratchRun run("skiprun");
    const fs::path& dir = run.dir;
    {
      Trainer t = Trainer::start(
          run.session("steps: 6, batch: 2, log_every: 1, eval_every: 0, ckpt_every: 3, on_nonfinite: skip_step"),
          dir / "run");
      CHECK(t.run(2) == 0);
      Tensor& gain = t.model().parameter("ln_f.weight").tensor;
      const Tensor saved = gain.clone();
      gain.fill_(std::numeric_limits<double>::quiet_NaN());
      CHECK(t.step_once().skipped);  // step 3
      gain.copy_(saved);
      CHECK(t.run(4) == 0);  // step 4, then a checkpoint
      CHECK(t.skipped_steps() == 1);
    }
    std::ifstream f(dir / "run/checkpoints/step_00000004/state.json");
    const nlohmann::json st = nlohmann::json::parse(f);
    CHECK(st["skipped_steps"] == 1);
    CHECK(st["optimizer"]["t"] == 3);
    Trainer r = Trainer::resume(dir / "run");
    CHECK(r.step() == 4);
    CHECK(r.skipped_steps() == 1);
    CHECK(r.run() == 0);
    CHECK(r.step() == 6);
  }

  TEST_CASE("skip_step inside run(): each dropped step is a 'skip' line in metrics.jsonl and on stdout") {
    const ScratchRun run("skiplog");
    const fs::path& dir = run.dir;
    Trainer t = Trainer::start(
        run.session("steps: 6, batch: 2, log_every: 1, eval_every: 0, ckpt_every: 0, on_nonfinite: skip_step"),
        dir / "run");
    CHECK(t.run(1) == 0);
    t.model().parameter("ln_f.weight").tensor.fill_(std::numeric_limits<double>::quiet_NaN());
    // stdout into a file for the two NaN steps (the trainer prints with printf).
    const fs::path out = dir / "stdout.txt";
    std::fflush(stdout);
    const int saved = ::dup(STDOUT_FILENO);
    REQUIRE(saved >= 0);
    FILE* capture = std::fopen(out.c_str(), "w");
    REQUIRE(capture != nullptr);
    ::dup2(::fileno(capture), STDOUT_FILENO);
    int rc = -1;
    try {
      rc = t.run(3);
    } catch (...) {
      std::fflush(stdout);
      ::dup2(saved, STDOUT_FILENO);
      throw;
    }
    std::fflush(stdout);
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    std::fclose(capture);
    CHECK(rc == 0);
    CHECK(t.skipped_steps() == 2);
    std::ifstream so(out);
    const std::string printed((std::istreambuf_iterator<char>(so)), std::istreambuf_iterator<char>());
    INFO(printed);
    CHECK(printed.find("step 2 skipped: loss nan") != std::string::npos);
    CHECK(printed.find("step 3 skipped") != std::string::npos);
    CHECK(printed.find("2 skipped so far") != std::string::npos);
    std::vector<int64_t> skip_steps;
    std::ifstream m(dir / "run/metrics.jsonl");
    for (std::string line; std::getline(m, line);) {
      const auto j = nlohmann::json::parse(line);
      if (j.value("kind", "") == "skip") {
        skip_steps.push_back(j["step"].get<int64_t>());
        CHECK(j["loss"].is_null());  // NaN has no JSON form
      }
    }
    CHECK(skip_steps == std::vector<int64_t>{2, 3});
  }
}
