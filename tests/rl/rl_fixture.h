// Test helpers for the offline RL pieces: a scratch folder with a collected
// dataset and a recipe over it, and the decision_transformer built from them.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "weft/data/dataset.h"
#include "weft/nn/models/decision_transformer.h"
#include "weft/rl/collect.h"
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
  Recipe recipe(const fs::path& data_file, const std::string& model_extra = "", const std::string& data_extra = "") const {
    const fs::path r = dir / "r.yaml";
    std::ofstream(r) << "seed: 5\n"
                     << "model: { type: decision_transformer, context_K: 8, d_model: 16, n_layers: 2, n_heads: 2, "
                        "embed_dropout: 0.0"
                     << model_extra << " }\n"
                     << "data: { type: trajectories, path: '" << data_file.string() << "', return_scale: 10" << data_extra
                     << " }\n"
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

}  // namespace weft::rltest
