#include "weft/train/session.h"

#include <omp.h>

#include <map>

#include "weft/backend/dispatch.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/optim/registry.h"

namespace weft {

namespace {

void apply_threads(const Recipe& r) {
  const int64_t t = r.get<int64_t>("train.threads");
  if (t > 0) set_cpu_num_threads(static_cast<int>(t));
}

ScheduleOptions build_schedule(const Recipe& r) {
  ScheduleOptions s;
  ResolvedView v = r.view().at("schedule");
  s.type = v.get<std::string>("type");
  s.warmup = v.get<int64_t>("warmup");
  s.total_steps = r.get<int64_t>("train.steps");
  s.min_lr_ratio = v.get_or<double>("min_lr_ratio", 1.0);
  s.decay_fraction = v.get_or<double>("decay_fraction", 0.0);
  return s;
}

}  // namespace

Session build_session(Recipe recipe, bool for_training) {
  apply_threads(recipe);
  WEFT_CHECK(recipe.get<std::string>("device") == "cpu", DeviceError,
             "device '", recipe.get<std::string>("device"),
             "' is not available in this build (only cpu; the CUDA backend is a later stage)");
  Session s;
  s.data = build_dataset(recipe.view().at("data"));
  s.data_description = s.data->description();
  s.model = build_model(recipe.view(), s.data_description);
  s.data->check_usable(recipe.get<int64_t>("train.batch"), s.model->context_length());
  s.schedule = build_schedule(recipe);
  s.base_lr = recipe.get<double>("optim.lr");
  s.clip = recipe.get<double>("optim.clip");
  if (for_training) s.optimizer = build_optimizer(recipe.view().at("optim"), s.model->named_parameters());
  s.recipe = std::move(recipe);
  return s;
}

void load_model_weights(Model& model, const std::vector<std::pair<std::string, Tensor>>& tensors) {
  auto params = model.named_parameters();
  WEFT_CHECK(params.size() == tensors.size(), CheckpointError, "model.safetensors holds ", tensors.size(),
             " tensors but the model has ", params.size(), " parameters");
  std::map<std::string, const Tensor*> by_name;
  for (auto& [n, t] : tensors) by_name[n] = &t;
  for (auto& [name, p] : params) {
    auto it = by_name.find(name);
    WEFT_CHECK(it != by_name.end(), CheckpointError, "model.safetensors has no tensor '", name, "'");
    const Tensor& t = *it->second;
    WEFT_CHECK(t.shape() == p->tensor.shape() && t.dtype() == p->tensor.dtype(), CheckpointError,
               "model.safetensors: tensor '", name, "' is ", t.describe(), " but the model expects ",
               p->tensor.describe());
    p->tensor.copy_(t);
  }
}

std::filesystem::path run_dir_of(const std::filesystem::path& step_dir) {
  return std::filesystem::absolute(step_dir).lexically_normal().parent_path().parent_path();
}

Session session_from_checkpoint(const std::filesystem::path& step_dir, const Recipe& recipe) {
  apply_threads(recipe);
  CheckpointContents c = load_checkpoint(step_dir);
  Session s;
  s.data_description = data_description_of(c.state, (step_dir / "state.json").string());
  s.model = build_model(recipe.view(), s.data_description);
  load_model_weights(*s.model, c.model);
  s.recipe = recipe;
  return s;
}

}  // namespace weft
