#include "weft/train/recipe_schema.h"

#include "weft/config/validate.h"
#include "weft/data/dataset.h"
#include "weft/data/evaluator.h"
#include "weft/nn/model.h"
#include "weft/optim/registry.h"
#include "weft/param/registry.h"

namespace weft {

namespace {

TypeCatalog schedule_types() {
  auto base = [] {
    Schema s;
    s.add_int("warmup", 0).range(0, 1 << 30).help("linear warm-up steps from 0");
    return s;
  };
  Schema constant = base();
  Schema cosine = base();
  cosine.add_number("min_lr_ratio", 0.1).range(0.0, 1.0).help("final lr as a fraction of the peak");
  Schema linear = cosine;
  Schema wsd = cosine;
  wsd.add_number("decay_fraction", 0.2).range(0.0, 1.0).help("fraction of the steps spent decaying at the end");
  return fixed_types({{"constant", constant}, {"cosine", cosine}, {"linear", linear}, {"wsd", wsd}});
}

Schema train_schema() {
  Schema s;
  s.add_int("steps", 1000).range(1, int64_t(1) << 40).help("optimizer steps");
  s.add_int("batch", 16).range(1, 1 << 20).help("sequences per micro-batch");
  s.add_int("grad_accum", 1).range(1, 1 << 16).help("micro-batches per optimizer step");
  s.add_int("log_every", 10).range(1, int64_t(1) << 40).help("steps between train metrics lines");
  s.add_int("eval_every", 200).range(0, int64_t(1) << 40).help("steps between validation evals (0 = only at the end)");
  s.add_int("eval_batches", 0).range(0, 1 << 30).help("batches per mid-run eval (0 = the whole val split)");
  s.add_int("ckpt_every", 500).range(0, int64_t(1) << 40).help("steps between checkpoints (0 = only at the end)");
  s.add_int("keep", 3).range(0, 1 << 20).help("newest checkpoints kept (0 = all)");
  s.add_choice("on_nonfinite", {"stop", "skip_step"}, "stop")
      .help("a non-finite loss or gradient norm: stop the run, or skip_step (drop that step's update, log it, go on; "
            "10 in a row still stop)");
  s.add_int("threads", 0).range(0, 1024).help("CPU threads (0 = OMP_NUM_THREADS or all cores)");
  s.add_choice("precision", {"f32", "tf32", "bf16"}, "f32")
      .help("inputs of the f32 matmuls: f32 (exact), tf32 or bf16 (rounded to nearest, f32 accumulation; tensor "
            "cores on cuda, exact emulation on cpu); weights, optimizer state, norms, softmax and the loss stay f32");
  s.add_bool("shard_optimizer", false)
      .help("under mpirun: each rank keeps the optimizer state of its share of the parameters only (ZeRO-1; same "
            "numbers as unsharded)");
  s.add_number("bucket_mb", 4.0).range(0.001, 4096.0).help("under mpirun: MiB of gradients per all-reduce bucket");
  s.add_bool("overlap", true)
      .help("under mpirun: start a bucket's all-reduce during the backward as soon as its gradients are final");
  return s;
}

// Evaluation: layer pruning for `weft eval` only (the trainer's evals always
// run the whole model), and the options of each evaluator type.
Schema eval_schema() {
  Schema prune;
  prune.add_number("rate", 0.0).range(0.0, 0.5)
      .help("LayerDrop pruning at eval: drop every floor(1/rate)-th layer (0.5 keeps 0, 2, 4, ...; 0 = none)");
  prune.add_choice("strategy", {"every_other"}, "every_other").help("which layers a rate drops (the LayerDrop paper)");
  Schema s;
  s.add_section("prune", prune).help("layer pruning by rate (LayerDrop)");
  s.add_ints("layers_to_keep").help("explicit 0-based blocks to keep at eval (instead of prune.rate)");
  // Each registered evaluator's own options, as eval.<type>: {...}.
  for (auto& [name, e] : EvaluatorRegistry::instance().entries()) {
    Schema options = e.schema();
    if (!options.options().empty()) s.add_section(name, std::move(options)).help("options of the '" + name + "' evaluator");
  }
  s.add_check([](const ResolvedView& v, Reporter& r) {
    if (v.has("layers_to_keep") && v.get<double>("prune.rate") > 0)
      r.error("layers_to_keep", "give either eval.layers_to_keep or eval.prune.rate, not both");
  });
  return s;
}

}  // namespace

Schema recipe_schema() {
  Schema root;
  root.add_int("seed", 1).range(0, int64_t(1) << 62).help("seed of initialisation, data order and dropout");
  root.add_choice("device", {"cpu", "cuda", "emu"}, "cpu")
      .help("where the model runs: cpu, cuda (GPU 0), or emu (a test device: the cpu kernels behind a device "
            "boundary, for checking device code without a GPU)");
  root.add_polymorphic("model", ModelRegistry::instance().catalog(), ModelRegistry::kDefaultType).help("the network");
  root.add_polymorphic("param", ParameterizationRegistry::instance().catalog(), ParameterizationRegistry::kDefaultType)
      .help("parameterization: init and multipliers");
  root.add_polymorphic("optim", OptimizerRegistry::instance().catalog(), OptimizerRegistry::kDefaultType)
      .help("optimizer");
  root.add_polymorphic("schedule", schedule_types(), "cosine").help("learning-rate schedule");
  root.add_polymorphic("data", DatasetRegistry::instance().catalog()).required().help("the training data");
  root.add_section("train", train_schema()).help("the step loop");
  root.add_section("eval", eval_schema()).help("evaluation: layer pruning (weft eval) and each evaluator's options");
  root.add_check([](const ResolvedView& v, Reporter& r) {
    const ResolvedView s = v.at("schedule");
    const int64_t steps = v.get<int64_t>("train.steps");
    if (s.get<int64_t>("warmup") > steps)
      r.error("schedule.warmup", "warm-up of " + std::to_string(s.get<int64_t>("warmup")) +
                                     " steps is longer than train.steps " + std::to_string(steps));
    // The µP/CompleteP learning-rate, decay and ε multipliers are Adam's (the CompleteP paper).
    const std::string param = v.get<std::string>("param.type"), optim = v.get<std::string>("optim.type");
    const std::string needed = ParameterizationRegistry::instance().required_optimizer(param);
    if (!needed.empty() && optim != needed)
      r.error("param.type", "'" + param + "' scales " + needed + "'s hyper-parameters per group; its table does not "
                            "hold for optim.type '" + optim + "' (use " + needed + " or another param.type)");
  });
  return root;
}

Recipe load_and_validate_recipe(const std::filesystem::path& file, const std::vector<std::string>& set_overrides) {
  namespace fs = std::filesystem;
  fs::path root = fs::current_path();
  for (fs::path p = fs::absolute(file).parent_path(); !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p / "configs")) {
      root = p;
      break;
    }
    if (p == p.root_path()) break;
  }
  Recipe r = load_recipe(file, set_overrides, root);
  validate(r, recipe_schema());
  return r;
}

}  // namespace weft
