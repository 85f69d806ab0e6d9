// defines: Trainer — the step loop: gradient accumulation, clipping, the
// optimizer step, logging, evaluation, checkpoints, signals (the README's architecture map "train").
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "weft/data/dataset.h"
#include "weft/data/evaluator.h"
#include "weft/train/metrics.h"
#include "weft/train/session.h"

namespace weft {

// What one optimizer step did.
struct StepResult {
  double loss = 0;       // mean over the step's micro-batches
  double grad_norm = 0;  // before clipping
  double lr = 0;
  int64_t units = 0;     // training units (tokens, timesteps) consumed
  bool skipped = false;  // train.on_nonfinite: skip_step dropped this step's update
};

// train.on_nonfinite: skip_step stops anyway after this many consecutive skipped
// steps: a run that produces nothing but NaN is diverged, not unlucky.
inline constexpr int64_t kMaxConsecutiveSkips = 10;

class Trainer {
 public:
  // A new run: writes RUN_DIR/recipe.yaml. Throws when RUN_DIR already holds a run
  // (the CLI reports a finished run instead of overwriting it). The folder is
  // created only after the sampler and evaluator are built.
  static Trainer start(Session s, const std::filesystem::path& run_dir);
  // A trainer tied to no run folder (`weft bench`): step() only.
  static Trainer detached(Session s);
  // Continues RUN_DIR from its LATEST checkpoint (or `from`).
  static Trainer resume(const std::filesystem::path& run_dir, const std::string& from = "",
                        std::optional<int64_t> total_steps = std::nullopt);

  // Runs until the recipe's last step (or `until`, saving a checkpoint there).
  // Returns the exit code: 0, or 130 when interrupted by SIGINT/SIGTERM (after a
  // checkpoint). A non-finite loss throws TrainingDiverged naming the step.
  int run(std::optional<int64_t> until = std::nullopt);

  // One optimizer step, exactly as run() takes it: the schedule's lr, set_step,
  // grad_accum micro-batches (loss scaled by 1/grad_accum), global-norm
  // clipping, the divergence check (before the update: with train.on_nonfinite
  // stop, TrainingDiverged naming the step; with skip_step, the gradients are
  // dropped, nothing is updated and the result says skipped, until
  // kMaxConsecutiveSkips in a row throw TrainingDiverged), the update,
  // zero_grad; then step() += 1 (also for a skipped step: its batch is consumed). `probe` records the
  // first micro-batch's activations.
  StepResult step_once(ActivationProbe* probe = nullptr);

  // From now on, appends one JSON line per step to `file` (truncated first):
  // {"step": s, "embed": v, "blocks.0": v, ..., "logits": v}, the mean |x| of
  // each activation in step s's first micro-batch forward (nn/activation_probe.h;
  // coordinate checks, the CompleteP paper). Throws DataError when it cannot be opened.
  void log_activations(const std::filesystem::path& file);

  int64_t step() const { return step_; }
  int64_t total_steps() const { return total_steps_; }
  int64_t skipped_steps() const { return skipped_steps_; }
  Model& model() { return *s_.model; }

 private:
  Trainer(Session s, std::filesystem::path run_dir);
  void save_checkpoint();
  void run_eval(bool final);
  nlohmann::json state_json() const;

  Session s_;
  std::filesystem::path run_dir_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<Evaluator> evaluator_;
  NamedParameters params_;
  int64_t accum_ = 1;
  MetricsLog metrics_;
  std::unique_ptr<std::ofstream> activation_log_;
  int64_t step_ = 0, tokens_ = 0, total_steps_ = 0;
  int64_t skipped_steps_ = 0, consecutive_skips_ = 0;  // train.on_nonfinite: skip_step
  bool skip_nonfinite_ = false;
  std::string recipe_hash_;  // of recipe.yaml as written (without resume's --steps)
  double elapsed_s_ = 0;
};

class TrainingDiverged : public Error {
 public:
  using Error::Error;
};

// Set by SIGINT/SIGTERM while a Trainer runs.
std::atomic<bool>& stop_requested();

}  // namespace weft
