#include "weft/train/session.h"

#include <omp.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "weft/backend/dispatch.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/core/allocator.h"
#include "weft/core/available_memory.h"
#include "weft/ops/matmul.h"
#include "weft/optim/registry.h"
#include "weft/train/state_schema.h"

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

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / double(1 << 30));
  return buf;
}

// The recipe's device, checked before anything is built: cuda needs this build's
// CUDA backend and a visible GPU (a usage error, exit 2, saying which is missing).
Device check_device(const Recipe& r) {
  const Device d = Device::parse(r.get<std::string>("device"));
  if (!d.is_cuda()) return d;
  std::string why;
  const int n = cuda_device_count(why);
  if (d.index < n) return d;
  throw ConfigError("device '" + r.get<std::string>("device") + "': " +
                    (n > 0 ? "this machine has " + std::to_string(n) + " GPU(s)"
                           : why.empty() ? std::string("no GPU is visible") : "no GPU is visible: " + why) +
                    " (use device: cpu, or --device cpu)");
}

// train.precision: the input precision of every f32 matmul from now on (ops/matmul.h).
void apply_precision(const Recipe& r) { set_matmul_precision(parse_matmul_precision(r.get<std::string>("train.precision"))); }

// Models are built on the cpu, so that the same seed gives the same initial weights on
// every device, and then moved.
void place(Session& s, Device d) {
  s.device = d;
  s.model->to(d);
}

}  // namespace

std::shared_ptr<Model> build_model_within_memory(const ResolvedView& recipe, const nlohmann::json& data, int copies) {
  const uint64_t avail = available_memory_bytes();
  if (avail == 0) return build_model(recipe, data);  // unknown: no guard
  CachingHostAllocator& a = host_allocator();
  const uint64_t budget = avail / static_cast<uint64_t>(copies);
  const size_t old = a.set_limit(static_cast<size_t>(a.stats().bytes_in_use + budget));
  std::shared_ptr<Model> m;
  try {
    m = build_model(recipe, data);
  } catch (const AllocationLimitExceeded& e) {
    a.set_limit(old);
    const uint64_t built = e.in_use > a.stats().bytes_in_use ? e.in_use - a.stats().bytes_in_use : 0;
    std::ostringstream sizes;
    for (const char* key : {"d_model", "n_layers", "n_heads", "seq_len", "vocab_size"})
      if (recipe.has(std::string("model.") + key))
        sizes << (sizes.tellp() > 0 ? ", " : "") << key << " " << recipe.get<int64_t>(std::string("model.") + key);
    throw ConfigError("model '" + recipe.get<std::string>("model.type") + "' (" + sizes.str() +
                      ") does not fit in memory: building it had allocated " + gib(double(built)) +
                      " when a further " + gib(double(e.requested)) + " was requested, past the budget of " +
                      gib(double(budget)) + " = available memory " + gib(double(avail)) + " (MemAvailable, or the cgroup's limit less its usage) / " +
                      std::to_string(copies) +
                      (copies > 1 ? " (weights, gradients and the optimizer's two moments)" : " (the weights)") +
                      "; make the model smaller (model.d_model, model.n_layers, ...)");
  }
  a.set_limit(old);
  return m;
}

Session build_session(Recipe recipe, bool for_training) {
  apply_threads(recipe);
  const Device device = check_device(recipe);
  apply_precision(recipe);
  Session s;
  s.data = build_dataset(recipe.view().at("data"));
  s.data_description = s.data->description();
  s.model = build_model_within_memory(recipe.view(), s.data_description, for_training ? 4 : 1);
  place(s, device);
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
    // Checked on the host copy as read, before it moves to the model's device.
    WEFT_CHECK(all_finite(t), CheckpointError, "model.safetensors: tensor '", name,
               "' holds NaN or infinite values (the run diverged before this checkpoint, or the file was edited); "
               "use an earlier checkpoint (--from step_N)");
  }
  for (auto& [name, p] : params) p->tensor.copy_(*by_name[name]);
}

bool all_finite(const Tensor& t) {
  if (t.dtype() == DType::i32 || t.dtype() == DType::i64) return true;
  if (t.dtype() == DType::f64) {
    for (double v : t.to_vector<double>())
      if (!std::isfinite(v)) return false;
    return true;
  }
  for (float v : t.to_vector<float>())
    if (!std::isfinite(v)) return false;
  return true;
}

std::filesystem::path run_dir_of(const std::filesystem::path& step_dir) {
  return std::filesystem::absolute(step_dir).lexically_normal().parent_path().parent_path();
}

Session session_from_checkpoint(const std::filesystem::path& step_dir, const Recipe& recipe) {
  apply_threads(recipe);
  const Device device = check_device(recipe);
  apply_precision(recipe);
  CheckpointContents c = load_checkpoint(step_dir);
  const std::string state_file = (step_dir / "state.json").string();
  validate_state(c.state, state_file, StateUse::evaluate);
  verify_run_recipe(c.state, run_dir_of(step_dir) / "recipe.yaml", state_file);
  Session s;
  s.data_description = data_description_of(c.state, state_file);
  s.model = build_model_within_memory(recipe.view(), s.data_description, 1);
  place(s, device);
  load_model_weights(*s.model, c.model);
  s.recipe = recipe;
  return s;
}

}  // namespace weft
