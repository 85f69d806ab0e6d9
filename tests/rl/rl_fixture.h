// Test helpers for the offline RL pieces: a scratch folder with a collected
// dataset and a recipe over it, the decision_transformer built from them, and
// hand-made windows to probe it with.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/data/dataset.h"
#include "weft/nn/models/decision_transformer.h"
#include "weft/rl/collect.h"
#include "weft/rl/trajectory_window.h"
#include "weft/train/recipe_schema.h"

namespace weft::rltest {

namespace fs = std::filesystem;

struct RLScratch {
  fs::path dir;
  explicit RLScratch(const std::string& name) {
    dir = fs::temp_directory_path() / ("weft_rl_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~RLScratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  // Collects `episodes` of env/policy into dir/<env>.safetensors.
  fs::path collect(const std::string& env, const std::string& policy, int64_t episodes, uint64_t seed = 1) const {
    const fs::path f = dir / (env + ".safetensors");
    write_offline_data(f, collect_dataset({env, policy, episodes, seed}));
    return f;
  }
  // A recipe over `data_file` with the given model keys (YAML flow entries).
  Recipe recipe(const fs::path& data_file, const std::string& model_extra = "",
                const std::string& data_extra = "") const {
    const fs::path r = dir / "r.yaml";
    std::ofstream(r) << "seed: 5\n"
                     << "model: { type: decision_transformer, context_K: 8, d_model: 16, n_layers: 2, n_heads: 2, "
                        "embed_dropout: 0.0"
                     << model_extra << " }\n"
                     << "data: { type: trajectories, path: '" << data_file.string() << "', return_scale: 10"
                     << data_extra << " }\n"
                     << "train: { steps: 10, batch: 4 }\n";
    return load_and_validate_recipe(r, {});
  }
};

// The model in f64 and eval mode.
inline std::shared_ptr<DecisionTransformer> dt_f64(const Recipe& r, const Dataset& d) {
  auto m = std::dynamic_pointer_cast<DecisionTransformer>(build_model(r.view(), d.description()));
  for (auto& [name, p] : m->named_parameters()) p->tensor = p->tensor.to(DType::f64);
  m->eval();
  return m;
}

// A window of K real steps with distinct values everywhere (salt shifts them);
// step t has return-to-go rtg(t) and timestep first_timestep + t.
inline Batch distinct_window(const TrajectorySpec& spec, int64_t K, uint64_t salt,
                             const std::function<double(int64_t)>& rtg, int64_t first_timestep) {
  WindowRows w;
  for (int64_t t = 0; t < K; ++t) {
    std::vector<double> s, a;
    for (int64_t j = 0; j < spec.state_dim; ++j) s.push_back(std::sin(double(7 * t + j + 1 + salt)));
    for (int64_t j = 0; j < spec.act_dim; ++j)
      a.push_back(spec.discrete ? double((t + salt) % uint64_t(spec.n_actions)) : std::cos(double(3 * t + j + salt)));
    w.states.push_back(s);
    w.actions.push_back(a);
    w.rtg.push_back(rtg(t));
    w.timesteps.push_back(first_timestep + t);
  }
  return window_batch(spec, K, {w});
}

inline std::vector<double> values(const Tensor& t) {
  return t.to_vector<double>();
}

// Largest |a[i] - b[i]| over [from, to); NaN propagates as the maximum.
inline double max_diff(const std::vector<double>& a, const std::vector<double>& b, size_t from, size_t to) {
  double m = 0;
  for (size_t i = from; i < to; ++i) {
    const double d = std::abs(a[i] - b[i]);
    if (!(d <= m) && !std::isnan(m)) m = d;  // a NaN, once seen, stays
  }
  return m;
}

// Sets element i of a batch tensor (i64 or f32).
inline void poke(Batch& b, const std::string& name, int64_t i, double v) {
  Tensor t = b.at(name).clone();
  if (t.dtype() == DType::i64)
    t.data<int64_t>()[i] = int64_t(v);
  else
    t.data<float>()[i] = float(v);
  b.set(name, t);
}

}  // namespace weft::rltest
