// Devices end to end, without a GPU: the emu device (backend/emu.h) puts the model,
// its optimizer state and every batch behind a device boundary while computing
// with the CPU's kernels, so a run there must equal the cpu run bit for bit.
// Checked: a whole run on emu against cpu (losses, weights, optimizer state);
// a run that moves cpu → emu → cpu at checkpoints (resume/eval/generate --device);
// the gpt, megabyte and Decision Transformer models; train.precision bf16 (differs
// from f32, resumes bit for bit, on cpu and emu alike); the host reads of one step;
// an out-of-range index found on the device, raised at the next host read; and
// device: cuda refused where no GPU is visible.
#include "e2e_util.h"

#include "weft/backend/emu.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/trainer.h"

using namespace weft::e2e;

namespace {

std::string step_file(const fs::path& run, int step, const char* file) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%08d", step);
  return read_file(run / "checkpoints" / name / file);
}

void require_ok(const Result& r) {
  INFO(r.out);
  REQUIRE(r.code == 0);
}

void check_same_run(const fs::path& a, const fs::path& b, size_t steps, int final_step) {
  auto la = train_losses(a), lb = train_losses(b);
  REQUIRE(la.size() == steps);
  REQUIRE(lb.size() == steps);
  for (size_t i = 0; i < steps; ++i) {
    INFO("step " << i + 1);
    CHECK(la[i] == lb[i]);
  }
  CHECK(step_file(a, final_step, "model.safetensors") == step_file(b, final_step, "model.safetensors"));
  CHECK(step_file(a, final_step, "optim.safetensors") == step_file(b, final_step, "optim.safetensors"));
}

const char* kMegabyte = R"(seed: 5
model:
  type: megabyte
  patch: 4
  seq_len: 32
  global: { d_model: 32, n_layers: 1, n_heads: 2, block: { type: pre_ln, dropout: 0.1 } }
  local: { d_model: 16, n_layers: 1, n_heads: 2, block: { type: pre_ln } }
optim: { type: adamw, lr: 3.0e-3 }
schedule: { type: cosine, warmup: 2 }
data: { type: bytes, path: data/tiny.txt, val_fraction: 0.1 }
train: { steps: 8, batch: 4, log_every: 1, eval_every: 4, eval_batches: 2, ckpt_every: 4, keep: 0 }
)";

const char* kDT = R"(seed: 2
model: { type: decision_transformer, context_K: 6, d_model: 16, n_layers: 2, n_heads: 2, embed_dropout: 0.1,
         block: { type: pre_ln, dropout: 0.1 }, elastic: { enabled: true, num_bins: 10 } }
optim: { type: adamw, lr: 1.0e-3, clip: 0.25 }
schedule: { type: constant, warmup: 2 }
data: { type: trajectories, path: data/rl/c.safetensors, env: cartpole, return_scale: 100 }
train: { steps: 8, batch: 8, log_every: 1, eval_every: 4, eval_batches: 1, ckpt_every: 4, keep: 0 }
eval: { rollout: { episodes: 2, max_steps: 20 } }
)";

}  // namespace

TEST_SUITE("e2e_device") {
  TEST_CASE("gpt on emu equals cpu bit for bit, and a run moves cpu → emu → cpu at checkpoints") {
    Scratch s("device");
    require_ok(run("train recipes/tiny.yaml --run-dir runs/cpu", s.dir));
    require_ok(run("train recipes/tiny.yaml --run-dir runs/emu --device emu", s.dir));
    check_same_run(s.dir / "runs/cpu", s.dir / "runs/emu", 40, 40);
    // Trained on cpu to 20, on emu to 30, on the recipe's (cpu) to 40.
    require_ok(run("train recipes/tiny.yaml --run-dir runs/moved --until 20", s.dir));
    require_ok(run("resume runs/moved --device emu --until 30", s.dir));
    require_ok(run("resume runs/moved", s.dir));
    check_same_run(s.dir / "runs/cpu", s.dir / "runs/moved", 40, 40);
    // The run trained on emu evaluates and generates on cpu, and the reverse, identically.
    Result e1 = run("eval runs/emu --json", s.dir), e2 = run("eval runs/cpu --json --device emu", s.dir);
    require_ok(e1);
    require_ok(e2);
    CHECK(nlohmann::json::parse(e1.out)["loss"] == nlohmann::json::parse(e2.out)["loss"]);
    Result g1 = run("generate runs/cpu --prompt 'the ' --tokens 40 --temperature 0", s.dir);
    Result g2 = run("generate runs/emu --prompt 'the ' --tokens 40 --temperature 0 --device emu", s.dir);
    Result g3 = run("generate runs/cpu --prompt 'the ' --tokens 40 --temperature 0 --device emu --no-kv-cache", s.dir);
    require_ok(g1);
    require_ok(g2);
    require_ok(g3);
    CHECK(g1.out == g2.out);
    CHECK(g1.out == g3.out);
    // A bad device name is a usage error naming the value.
    Result bad = run("resume runs/cpu --device tpu", s.dir);
    CHECK(bad.code == 2);
    CHECK(bad.out.find("tpu") != std::string::npos);
  }

  TEST_CASE("megabyte and the (elastic) Decision Transformer: emu equals cpu") {
    Scratch s("device_models");
    write_file(s.dir / "recipes/mb.yaml", kMegabyte);
    require_ok(run("train recipes/mb.yaml --run-dir runs/mb_cpu", s.dir));
    require_ok(run("train recipes/mb.yaml --run-dir runs/mb_emu --device emu --until 4", s.dir));
    require_ok(run("resume runs/mb_emu", s.dir));
    check_same_run(s.dir / "runs/mb_cpu", s.dir / "runs/mb_emu", 8, 8);
    Result g1 = run("generate runs/mb_cpu --prompt 'the ' --tokens 12 --temperature 0", s.dir);
    Result g2 = run("generate runs/mb_cpu --prompt 'the ' --tokens 12 --temperature 0 --device emu", s.dir);
    require_ok(g1);
    CHECK(g1.out == g2.out);

    require_ok(run("dataset collect cartpole --policy medium-replay --episodes 8 --seed 4 --out data/rl/c.safetensors",
                   s.dir));
    write_file(s.dir / "recipes/dt.yaml", kDT);
    require_ok(run("train recipes/dt.yaml --run-dir runs/dt_cpu", s.dir));
    require_ok(run("train recipes/dt.yaml --run-dir runs/dt_emu --device emu", s.dir));
    check_same_run(s.dir / "runs/dt_cpu", s.dir / "runs/dt_emu", 8, 8);
    Result e1 = run("eval runs/dt_cpu --json", s.dir), e2 = run("eval runs/dt_cpu --json --device emu", s.dir);
    require_ok(e1);
    require_ok(e2);
    CHECK(nlohmann::json::parse(e1.out)["targets"] == nlohmann::json::parse(e2.out)["targets"]);
  }

  TEST_CASE("train.precision bf16: differs from f32, resumes bit for bit, and emu equals cpu") {
    Scratch s("bf16");
    require_ok(run("train recipes/tiny.yaml --run-dir runs/f32 --until 10", s.dir));
    const std::vector<double> f32 = train_losses(s.dir / "runs/f32");
    const std::vector<double> bf16 = check_resume_exact(s.dir, " --set train.precision=bf16");
    REQUIRE(f32.size() == 10);
    bool differs = false;
    for (size_t i = 0; i < f32.size(); ++i) {
      differs = differs || f32[i] != bf16[i];
      CHECK(std::abs(f32[i] - bf16[i]) < 0.05 * f32[i]);  // rounded inputs, not another model
    }
    CHECK(differs);
    require_ok(run("train recipes/tiny.yaml --run-dir runs/bf16_emu --device emu --set train.precision=bf16", s.dir));
    check_same_run(s.dir / "runs/straight", s.dir / "runs/bf16_emu", 40, 40);
    Result bad = run("train recipes/tiny.yaml --run-dir runs/x --set train.precision=fp8", s.dir);
    CHECK(bad.code == 2);
    CHECK(bad.out.find("train.precision") != std::string::npos);
  }

  TEST_CASE("one optimizer step reads the device from the host a fixed number of times") {
    Scratch s("device_reads");
    struct InDir {  // the recipe's data path is relative to the working directory
      fs::path saved = fs::current_path();
      explicit InDir(const fs::path& d) { fs::current_path(d); }
      ~InDir() { fs::current_path(saved); }
    } in_dir(s.dir);
    {
      weft::Recipe r = weft::load_and_validate_recipe("recipes/tiny.yaml", {"device=emu", "train.grad_accum=3"});
      weft::Trainer t = weft::Trainer::detached(weft::build_session(std::move(r), true));
      t.step_once();  // the first step allocates the optimizer's moments
      weft::reset_emu_transfers();
      t.step_once();
      const weft::EmuTransfers per_step = weft::emu_transfers();
      // To the device: per micro-batch its ids and targets, and the position ids.
      // To the host: the three losses together once and the gradient norm once;
      // nothing per micro-batch or per parameter (index bounds are checked on the
      // device, the cross-entropy mean's count is taken there).
      CHECK(per_step.to_device == 3 * 3);
      CHECK(per_step.to_host == 2);
    }
  }

  TEST_CASE("device: cuda where no GPU is visible is a usage error") {
    Scratch s("device_cuda");
    Result r = run("train recipes/tiny.yaml --run-dir runs/c --device cuda", s.dir);
    CHECK(r.code == 2);
    CHECK(r.out.find("no GPU is visible") != std::string::npos);
    CHECK_FALSE(fs::exists(s.dir / "runs/c"));
  }
}
