// Trainer behaviour that the CLI tests cannot provoke: a non-finite loss stops
// the run naming the step and keeps the last good checkpoint.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "weft/train/recipe_schema.h"
#include "weft/train/trainer.h"

using namespace weft;
namespace fs = std::filesystem;

TEST_SUITE("train") {
  TEST_CASE("a non-finite loss stops the run at its step and keeps the last good checkpoint") {
    const fs::path dir = fs::temp_directory_path() / ("weft_trainer_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
      std::ofstream f(dir / "corpus.txt");
      for (int i = 0; i < 400; ++i) f << "the quick brown fox jumps over the lazy dog " << i << "\n";
    }
    {
      std::ofstream f(dir / "r.yaml");
      f << "model: {type: gpt, d_model: 16, n_layers: 1, n_heads: 2, seq_len: 16}\n"
        << "schedule: {type: constant}\n"
        << "data: {type: bytes, path: " << (dir / "corpus.txt").string() << "}\n"
        << "train: {steps: 30, batch: 2, log_every: 5, eval_every: 0, ckpt_every: 10}\n";
    }
    Trainer t = Trainer::start(build_session(load_and_validate_recipe(dir / "r.yaml", {}), true), dir / "run");
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
    fs::remove_all(dir);
  }
}
