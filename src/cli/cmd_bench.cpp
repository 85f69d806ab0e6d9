// weft bench RECIPE.yaml [--steps N] [--warmup N] [--set k=v]... [--json]
// Times full training steps (forward, backward, clipping, optimizer) of a recipe's
// model on its data after warm-up, and relates them to the GEMM peak measured now on
// the model's device in the recipe's train.precision (cpu: 2048³ f32 products on the
// same thread count; cuda: 8192³), MFU = achieved model FLOP/s / that peak. Peak
// memory: the process's RSS and the model device's allocator peak.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <optional>

#include "commands.h"
#include "weft/autograd/grad_mode.h"
#include "weft/backend/dispatch.h"
#include "weft/ops/ops.h"
#include "weft/dist/communicator.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/trainer.h"

namespace weft::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Best of a few n³ products through weft's own matmul on `device`, in the current
// matmul precision (oneDNN on the cpu, cuBLAS on cuda). Reading one element back
// waits for a device's queue, so each timing covers the work it launched.
double gemm_peak_gflops(Device device) {
  NoGradGuard ng;
  Generator g(1);
  const int64_t n = device.is_cuda() ? 8192 : 2048;
  const int reps = device.is_cuda() ? 10 : 1;
  Tensor a = Tensor::normal({n, n}, 0, 1, DType::f32, &g, device);
  Tensor b = Tensor::normal({n, n}, 0, 1, DType::f32, &g, device);
  const auto wait = [](const Tensor& c) { (void)Tensor::make_view(c, {1}, {1}, 0).item(); };
  wait(matmul(a, b));
  double best = 1e30;
  for (int i = 0; i < 5; ++i) {
    auto t0 = Clock::now();
    Tensor c;
    for (int r = 0; r < reps; ++r) c = matmul(a, b);
    wait(c);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count() / reps);
  }
  return 2.0 * double(n) * double(n) * double(n) / best / 1e9;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * double(v.size() - 1) + 0.5)];
}

}  // namespace

Runner add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Time training steps of a recipe: tokens/s, step time, MFU, peak memory");
  struct Opts {
    std::string recipe;
    std::vector<std::string> sets;
    int64_t steps = 20, warmup = 3;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("recipe", o->recipe, "recipe file (YAML)")->required();
  cmd->add_option("--steps", o->steps, "timed steps")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  cmd->add_option("--warmup", o->warmup, "untimed steps first")->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  cmd->add_option("--set", o->sets, "override a recipe key");
  cmd->add_flag("--json", o->json, "print one JSON object");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    // The trainer's own step (schedule, LayerDrop step, clipping, divergence check).
    // Under mpirun: every rank steps, the step's units are the whole world's.
    std::optional<Trainer> t;
    agreed(world(), [&] {
      t.emplace(Trainer::detached(build_session(load_and_validate_recipe(o->recipe, o->sets), true)));
    }, exit_code_for);
    Trainer& trainer = *t;
    Model& model = trainer.model();
    model.train();
    for (int64_t i = 0; i < o->warmup; ++i) trainer.step_once();
    std::vector<double> times, exposed;
    double units = 0, comm_bytes = 0;
    for (int64_t i = 0; i < o->steps; ++i) {
      auto t0 = Clock::now();
      units = double(trainer.step_once().units);
      times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      exposed.push_back(trainer.last_reduce_stats().exposed_s);
      comm_bytes = double(trainer.last_reduce_stats().bytes_sent);
    }
    const double tokens_per_step = units;
    const double med = percentile(times, 0.5);
    const double flops = model.flops_per_unit();
    const double achieved = tokens_per_step / med * flops / 1e9;
    const Device device = model.device();
    // The model's peak, read before the GEMM peak's own (large) operands are allocated.
    const double peak_alloc_mb = double(backend_for(device).allocator().stats().peak_bytes_in_use) / double(1 << 20);
    const double peak = gemm_peak_gflops(device);
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    std::vector<double> rss;
    for (const std::string& r : world().all_gather(std::to_string(double(ru.ru_maxrss) / 1024.0)))
      rss.push_back(std::stod(r));
    nlohmann::json out = {{"recipe", o->recipe},
                          {"threads", cpu_num_threads()},
                          {"params", model.num_parameters()},
                          {"tokens_per_step", tokens_per_step},
                          {"tokens_per_s", tokens_per_step / med},
                          {"step_s", {{"min", *std::min_element(times.begin(), times.end())},
                                      {"median", med},
                                      {"max", *std::max_element(times.begin(), times.end())}}},
                          {"flops_per_token", flops},
                          {"achieved_gflops", achieved},
                          {"device", device.str()},
                          {"precision", matmul_precision_name(matmul_precision())},
                          {"sgemm_peak_gflops", peak},
                          {"mfu", achieved / peak},
                          {"peak_rss_mb", *std::max_element(rss.begin(), rss.end())},
                          {"peak_device_mb", peak_alloc_mb},
                          {"world_size", world().size()},
                          {"peak_rss_mb_per_rank", rss},
                          {"allreduce_exposed_ms", percentile(exposed, 0.5) * 1e3},
                          {"comm_mb_per_step_per_rank", comm_bytes / double(1 << 20)}};
    if (o->json) {
      std::cout << out.dump() << "\n";
      return 0;
    }
    std::cout << std::fixed << std::setprecision(1) << o->recipe << ": " << out["params"] << " parameters, "
              << cpu_num_threads() << " threads, " << o->steps << " timed steps\n"
              << "  tokens/s (median step)  " << tokens_per_step / med << "\n"
              << std::setprecision(2) << "  step time ms min/median/max  " << out["step_s"]["min"].get<double>() * 1e3
              << " / " << med * 1e3 << " / " << out["step_s"]["max"].get<double>() * 1e3 << "\n"
              << std::setprecision(1) << "  model FLOPs/token  " << flops / 1e6 << " M\n"
              << "  achieved  " << achieved << " GFLOP/s, GEMM peak (" << device.str() << ", "
              << matmul_precision_name(matmul_precision()) << ") " << peak << " GFLOP/s, MFU "
              << std::setprecision(3) << achieved / peak << "\n"
              << std::setprecision(1) << "  peak RSS  " << out["peak_rss_mb"].get<double>() << " MB"
              << (world().size() > 1 ? " (the largest of " + std::to_string(world().size()) + " ranks)" : "")
              << ", " << device.str() << " allocator peak " << peak_alloc_mb << " MB\n";
    if (world().size() > 1)
      std::cout << std::setprecision(2) << "  " << world().size() << " ranks: all-reduce wait after backward (median) "
                << out["allreduce_exposed_ms"].get<double>() << " ms/step, "
                << out["comm_mb_per_step_per_rank"].get<double>() << " MB sent per rank per step\n";
    return 0;
  };
}

}  // namespace weft::cli
