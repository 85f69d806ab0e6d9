// defines: Session — everything a validated recipe builds (dataset, model,
// optimizer, schedule), shared by train, resume, eval, generate, inspect, bench.
// Nothing here names a model, dataset or optimizer type: each comes from its
// registry (nn/model.h, data/dataset.h, optim/registry.h).
#pragma once

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "weft/config/recipe.h"
#include "weft/data/dataset.h"
#include "weft/nn/model.h"
#include "weft/optim/optimizer.h"
#include "weft/optim/schedule.h"

namespace weft {

struct Session {
  Recipe recipe;
  std::shared_ptr<Dataset> data;  // null when built from a checkpoint
  nlohmann::json data_description;
  std::shared_ptr<Model> model;  // on `device` (the recipe's)
  Device device;
  std::unique_ptr<Optimizer> optimizer;  // only when built for training
  ScheduleOptions schedule;
  double base_lr = 0;
  double clip = 0;
};

// Loads the data (DataError → exit 3), builds the model (and, with
// `for_training`, the optimizer) from a validated recipe, and checks that the
// data can feed it. Applies train.threads and train.precision; the model is built
// on the cpu and moved to the recipe's device (ConfigError when it is cuda and no
// GPU is visible).
Session build_session(Recipe recipe, bool for_training);

// A session for a checkpoint: the model from the run's recipe.yaml and the data
// description stored in the checkpoint, weights loaded; the data is not read.
Session session_from_checkpoint(const std::filesystem::path& step_dir, const Recipe& recipe);

// The run folder a checkpoint folder belongs to (…/RUN/checkpoints/step_N → RUN).
std::filesystem::path run_dir_of(const std::filesystem::path& step_dir);

// Copies named tensors into the model's parameters; names and shapes must match
// exactly and every value must be finite (CheckpointError naming the tensor otherwise).
void load_model_weights(Model& model, const std::vector<std::pair<std::string, Tensor>>& tensors);

// No NaN or ±Inf in a floating-point tensor (integers always pass).
bool all_finite(const Tensor& t);

// build_model, refused before memory runs out: while it builds, the host
// allocator may hand out at most available_memory_bytes() / `copies` bytes
// (core/available_memory.h: MemAvailable within the cgroup's limit; copies = 4
// when training: weights, gradients and AdamW's two moments; 1 to evaluate or
// inspect). Past that, a ConfigError naming the model's sizes and the budget.
std::shared_ptr<Model> build_model_within_memory(const ResolvedView& recipe, const nlohmann::json& data, int copies);

}  // namespace weft
