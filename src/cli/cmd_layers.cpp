// weft layers — every registered type a recipe can name (models, blocks,
// attention, data, evaluators, optimizers, parameterizations) with its options,
// from the same schemas the recipe validator uses.
#include <iostream>

#include "commands.h"
#include "weft/backend/dispatch.h"
#include "weft/data/dataset.h"
#include "weft/data/evaluator.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/model.h"
#include "weft/nn/registry.h"
#include "weft/optim/registry.h"
#include "weft/param/registry.h"
#include "weft/rl/environment.h"

namespace weft::cli {

namespace {
template <typename Registry>
void list(const char* title, const Registry& r) {
  std::cout << "\n" << title << ":\n";
  for (auto& [name, e] : r.entries()) std::cout << "\n  " << name << ": " << e.help << "\n" << render_schema(e.schema(), 4);
}
}  // namespace

Runner add_layers(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "layers", "List every registered type (models, blocks, attention, data, evaluators, optimizers, "
                "parameterizations) with its options");
  return [cmd]() -> int {
    if (!*cmd) return -1;
    std::cout << "model types (model.type):\n";
    for (auto& [name, e] : ModelRegistry::instance().entries()) {
      std::cout << "\n  " << name << ": " << e.help << "\n" << render_schema(e.schema(), 4);
    }
    for (const std::string& kind : LayerRegistry::kinds()) {
      std::cout << "\n" << kind << " types (model." << kind << ".type):\n";
      for (auto& [name, e] : LayerRegistry::get(kind).entries())
        std::cout << "\n  " << name << ": " << e.help << "\n" << render_schema(e.schema(), 4);
    }
    const AttentionRegistry& attn = AttentionRegistry::instance();
    std::cout << "\nattention types (model.block.attn.type):\n";
    for (auto& [name, e] : attn.entries())
      std::cout << "\n  " << name << (attn.is_bidirectional(name) ? " [bidirectional]" : "")
                << (attn.is_kv_cached(name) ? "" : " [recomputes when generating]") << ": " << e.help << "\n"
                << render_schema(e.schema(), 4);
    list("data types (data.type)", DatasetRegistry::instance());
    list("evaluator types (chosen by the data type)", EvaluatorRegistry::instance());
    list("environments (weft dataset collect ENV; data.env)", EnvironmentRegistry::instance());
    list("optimizer types (optim.type)", OptimizerRegistry::instance());
    list("parameterization types (param.type)", ParameterizationRegistry::instance());
    std::string why;
    const int gpus = cuda_device_count(why);
    std::cout << "\ndevices (device; --device on train, resume, eval, generate):\n\n"
              << "  cpu: oneDNN/OpenBLAS GEMMs, OpenMP kernels\n"
              << "  cuda: the CUDA backend on GPU 0 ("
              << (gpus > 0 ? std::to_string(gpus) + " visible here" : "not usable here: " + why) << ")\n"
              << "  emu: a test device: the cpu kernels behind a device boundary (no host access, counted "
                 "transfers); bit-identical to cpu\n"
              << "\nmatmul precisions (train.precision):\n\n"
              << "  f32: exact f32 inputs (the default)\n"
              << "  tf32: inputs rounded to 10 mantissa bits, f32 accumulation (tensor cores on cuda)\n"
              << "  bf16: inputs rounded to 7 mantissa bits, f32 accumulation (tensor cores on cuda; exact "
                 "emulation on cpu)\n";
    return 0;
  };
}

}  // namespace weft::cli
