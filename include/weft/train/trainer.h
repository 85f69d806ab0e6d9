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
#include "weft/dist/grad_reducer.h"
#include "weft/dist/param_shards.h"
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

// Philox blocks reserved for each micro-batch's dropout when a step has several
// (so that micro-batch g draws the same numbers whichever rank runs it).
inline constexpr uint64_t kMicroBatchRngStride = uint64_t(1) << 36;

class Trainer {
 public:
  // start, resume and detached meet the other ranks at one agreement point
  // (dist/communicator.h: agree, the token being the recipe hash) after
  // everything is built and before anything is written; only rank 0 writes.
  // A new run: writes RUN_DIR/recipe.yaml. Throws when RUN_DIR already holds a run
  // (the CLI reports a finished run instead of overwriting it). The folder is
  // created only after the sampler and evaluator are built.
  static Trainer start(Session s, const std::filesystem::path& run_dir);
  // A trainer tied to no run folder (`weft bench`): step() only.
  static Trainer detached(Session s);
  // Continues RUN_DIR from its LATEST checkpoint (or `from`). `device` (when not
  // empty) replaces the recipe's for this process only: checkpoints hold host
  // tensors, so a run moves between cpu and cuda at any checkpoint.
  static Trainer resume(const std::filesystem::path& run_dir, const std::string& from = "",
                        std::optional<int64_t> total_steps = std::nullopt, const std::string& device = "");

  // Runs until the recipe's last step (or `until`, saving a checkpoint there).
  // Returns the exit code: 0, or 130 when interrupted by SIGINT/SIGTERM (after a
  // checkpoint). A non-finite loss throws TrainingDiverged naming the step.
  int run(std::optional<int64_t> until = std::nullopt);

  // One optimizer step, exactly as run() takes it: the schedule's lr, set_step,
  // G = world size × grad_accum micro-batches (each loss scaled by 1/G; rank r
  // runs micro-batches r·grad_accum … r·grad_accum + grad_accum − 1 of the G the
  // sampler hands out, and micro-batch g draws dropout from offset
  // start + g·kMicroBatchRngStride when G > 1), their gradients summed in the fixed
  // order of dist/grad_reducer.h, global-norm
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
  // The communication of the last step (all zero in one process).
  const ReduceStats& last_reduce_stats() const { return reducer_->last_stats(); }

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
  // Data parallelism (dist/): the world's gradient sum, ZeRO-1's shards, and the
  // stop request every rank agreed on in the last step.
  std::unique_ptr<GradReducer> reducer_;
  std::unique_ptr<ParamShards> shards_;
  std::vector<std::string> optim_names_;  // the unsharded state_tensors() order
  bool stop_seen_ = false;
};

class TrainingDiverged : public Error {
 public:
  using Error::Error;
};

// Set by SIGINT/SIGTERM while a Trainer runs.
std::atomic<bool>& stop_requested();

}  // namespace weft
