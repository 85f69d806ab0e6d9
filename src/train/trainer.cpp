#include "weft/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

#include "weft/autograd/grad_mode.h"
#include "weft/backend/dispatch.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/core/allocator.h"
#include "weft/ops/ops.h"
#include "weft/optim/clip.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/state_schema.h"

namespace weft {

namespace fs = std::filesystem;

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {

extern "C" void on_stop_signal(int) { stop_requested().store(true); }

// SIGINT/SIGTERM finish the current step, then the loop checkpoints and exits 130.
struct SignalScope {
  struct sigaction old_int {}, old_term {};
  SignalScope() {
    stop_requested().store(false);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
};

using Clock = std::chrono::steady_clock;

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char buf[32];
  int64_t s = static_cast<int64_t>(seconds);
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
  else
    std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
  return buf;
}

}  // namespace

Trainer::Trainer(Session s, fs::path run_dir)
    : s_(std::move(s)), run_dir_(std::move(run_dir)), metrics_(run_dir_ / "metrics.jsonl") {
  const Recipe& r = s_.recipe;
  WEFT_CHECK(s_.data && s_.optimizer, Error, "trainer: the session must be built for training (build_session)");
  total_steps_ = r.get<int64_t>("train.steps");
  accum_ = r.get<int64_t>("train.grad_accum");
  sampler_ = s_.data->train_sampler(r.get<int64_t>("train.batch"), s_.model->context_length(), r.get<uint64_t>("seed"));
  evaluator_ = evaluator_for(*s_.data, r.view());
  params_ = s_.model->named_parameters();
  skip_nonfinite_ = r.get<std::string>("train.on_nonfinite") == "skip_step";
  recipe_hash_ = recipe_hash(r);
  Communicator& w = world();
  // The gradient reducer and parameter shards exchange host memory (MPI).
  WEFT_CHECK(w.size() == 1 || s_.device.is_cpu(), ConfigError, "device '", s_.device.str(), "' under mpirun (",
             w.size(), " ranks): data-parallel training exchanges gradients through host memory, and the NCCL "
             "communicator for device tensors is not wired to the trainer yet; use device: cpu under mpirun");
  const double bucket_mb = r.get<double>("train.bucket_mb");
  reducer_ = std::make_unique<GradReducer>(w, params_, static_cast<size_t>(bucket_mb * double(1 << 20)),
                                           r.get<bool>("train.overlap"));
  if (r.get<bool>("train.shard_optimizer")) {
    for (const auto& [name, t] : s_.optimizer->state_tensors()) optim_names_.push_back(name);
    shards_ = std::make_unique<ParamShards>(params_, w.size());
    s_.optimizer->shard(shards_->owned_by(w.rank()));
    host_allocator().empty_cache();  // the moments of other ranks' parameters go back to the system
  }
}

Trainer Trainer::start(Session s, const fs::path& run_dir) {
  WEFT_CHECK(!fs::exists(run_dir / "recipe.yaml"), Error, "run folder ", run_dir.string(),
             " already holds a run (use `weft resume ", run_dir.string(), "` or another --run-dir)");
  Trainer t(std::move(s), run_dir);
  world().agree(0, "", t.recipe_hash_);
  if (world().rank() != 0) return t;
  fs::create_directories(run_dir);
  write_resolved(t.s_.recipe, run_dir / "recipe.yaml");
  std::error_code ec;
  fs::remove(run_dir / "metrics.jsonl", ec);
  return t;
}

Trainer Trainer::detached(Session s) {
  Trainer t(std::move(s), fs::path());
  world().agree(0, "", t.recipe_hash_);
  return t;
}

Trainer Trainer::resume(const fs::path& run_dir, const std::string& from, std::optional<int64_t> total_steps,
                        const std::string& device) {
  const fs::path recipe_file = run_dir / "recipe.yaml";
  WEFT_CHECK(fs::exists(recipe_file), CheckpointError, "not a run folder: ", recipe_file.string(), " is missing");
  const fs::path step_dir = resolve_checkpoint(run_dir, from);
  CheckpointContents c = load_checkpoint(step_dir);
  const std::string state_file = (step_dir / "state.json").string();
  const nlohmann::json& st = c.state;
  validate_state(st, state_file, StateUse::resume);  // every field below is present, typed and ranged
  verify_run_recipe(st, recipe_file, state_file);
  // The schedule's length is the checkpoint's (a run lengthened by --steps stays lengthened).
  const std::optional<int64_t> steps =
      total_steps ? total_steps : st.contains("total_steps") ? std::optional<int64_t>(st["total_steps"].get<int64_t>())
                                                             : std::nullopt;
  const int64_t step = st["step"].get<int64_t>();
  WEFT_CHECK(!steps || step <= *steps, ConfigError, "--steps ", steps.value_or(0), " is below the step ", step,
             " that ", state_file, " was saved at");
  std::vector<std::string> sets;
  if (steps) sets.push_back("train.steps=" + std::to_string(*steps));
  if (!device.empty()) sets.push_back("device=" + device);
  Recipe recipe = load_and_validate_recipe(recipe_file, sets);
  Session s = build_session(std::move(recipe), true);
  if (data_description_of(st, state_file) != s.data_description)
    throw DataError("the data of " + recipe_file.string() + " no longer matches what " + state_file +
                    " was trained on (its data description differs)");
  load_model_weights(*s.model, c.model);
  // The optimizer's and sampler's own checks name the key; the file is named here.
  const auto in_file = [&](const std::string& file, auto&& load) {
    try {
      load();
    } catch (const CheckpointError& e) {
      throw CheckpointError(file + ": " + e.what());
    }
  };
  in_file((step_dir / "optim.safetensors").string(), [&] { s.optimizer->load_state_tensors(c.optim); });
  for (const auto& [name, tensor] : c.optim)
    WEFT_CHECK(all_finite(tensor), CheckpointError, (step_dir / "optim.safetensors").string(), ": tensor '", name,
               "' holds NaN or infinite values; use an earlier checkpoint (--from step_N)");
  in_file(state_file, [&] { s.optimizer->load_state_json(st["optimizer"]); });
  const PhiloxState fresh_rng = s.model->dropout_generator().state();
  const uint64_t rng_seed = st["dropout_rng"]["seed"].get<uint64_t>();
  WEFT_CHECK(rng_seed == fresh_rng.seed, CheckpointError, state_file, ": field 'dropout_rng.seed' is ", rng_seed,
             " but the recipe's model seeds dropout with ", fresh_rng.seed);
  Trainer t(std::move(s), run_dir);
  world().agree(0, "", t.recipe_hash_);  // the recipe with resume's --steps
  t.recipe_hash_ = st["recipe_hash"].get<std::string>();
  t.step_ = step;
  t.tokens_ = st["tokens"].get<int64_t>();
  t.skipped_steps_ = state_int(st, "skipped_steps", 0);
  t.elapsed_s_ = st.value("elapsed_s", 0.0);
  in_file(state_file, [&] { t.sampler_->load_state(st["sampler"]); });
  t.s_.model->dropout_generator().set_state({rng_seed, st["dropout_rng"]["offset"].get<uint64_t>()});
  if (world().rank() == 0) t.metrics_.truncate_after(t.step_);
  return t;
}

nlohmann::json Trainer::state_json() const {
  PhiloxState d = s_.model->dropout_generator().state();
  return {{"step", step_},
          {"tokens", tokens_},
          {"elapsed_s", elapsed_s_},
          {"lr", schedule_lr(s_.base_lr, step_, s_.schedule)},
          {"schedule_step", step_},
          {"sampler", sampler_->state()},
          {"dropout_rng", {{"seed", d.seed}, {"offset", d.offset}}},
          {"optimizer", s_.optimizer->state_json()},
          {"recipe_hash", recipe_hash_},
          {"total_steps", total_steps_},
          {"skipped_steps", skipped_steps_},
          {"data", s_.data_description},
          {"threads", cpu_num_threads()},
          {"world_size", world().size()}};
}

void Trainer::save_checkpoint() {
  CheckpointContents c;
  for (auto& [name, p] : s_.model->named_parameters()) c.model.emplace_back(name, p->tensor);
  if (shards_) {
    // Every rank's share, in the order one process would store them.
    Optimizer::StateTensors all = gather_state_tensors(world(), s_.optimizer->state_tensors());
    std::map<std::string, Tensor> by_name(all.begin(), all.end());
    for (const std::string& n : optim_names_)
      if (by_name.count(n)) c.optim.emplace_back(n, by_name[n]);
  } else {
    c.optim = s_.optimizer->state_tensors();
  }
  if (world().rank() != 0) return;  // one logical checkpoint, written by rank 0
  c.state = state_json();
  record_run_recipe(c.state, run_dir_ / "recipe.yaml");
  CheckpointWriter(run_dir_ / "checkpoints", static_cast<int>(s_.recipe.get<int64_t>("train.keep"))).save(step_, c);
}

void Trainer::run_eval(bool final) {
  if (world().rank() != 0) return;  // the others go on to the next step's collectives
  EvalRequest req;
  req.split = Split::val;
  req.batch = s_.recipe.get<int64_t>("train.batch");
  req.max_batches = final ? 0 : s_.recipe.get<int64_t>("train.eval_batches");
  EvalReport e = evaluator_->evaluate(*s_.model, *s_.data, req);
  nlohmann::json rec = {{"step", step_}, {"kind", "eval"}, {"split", "val"}};
  for (auto& [k, v] : e.metrics.items()) rec[k] = v.is_number_float() ? nlohmann::json(round_trip(v.get<double>())) : v;
  rec["tokens"] = tokens_;
  rec["eval_tokens"] = e.units;
  rec["elapsed_s"] = round_trip(elapsed_s_);
  metrics_.append(rec);
  write_loss_svg(metrics_.read_all(), run_dir_ / "loss.svg", "weft: " + run_dir_.filename().string());
  std::printf("%seval step %lld: val %s\n", isatty(STDOUT_FILENO) ? "\n" : "", (long long)step_, e.text.c_str());
  std::fflush(stdout);
}

StepResult Trainer::step_once(ActivationProbe* probe) {
  StepResult r;
  r.lr = schedule_lr(s_.base_lr, step_, s_.schedule);
  s_.model->set_step(step_);  // LayerDrop's draws are keyed by the step (the LayerDrop paper)
  Communicator& w = world();
  const int64_t ranks = w.size(), me = w.rank(), total = ranks * accum_;
  Generator& gen = s_.model->dropout_generator();
  const PhiloxState rng0 = gen.state();
  // The micro-batch losses stay on the model's device until the step's end: one
  // device→host read per step (with the gradient norm's), not one per micro-batch.
  std::vector<Tensor> loss_tensors(static_cast<size_t>(accum_));
  reducer_->begin_step(accum_);
  // Every rank draws all `total` micro-batches and runs its own, so the data
  // order and the sampler's state depend only on the global batch.
  for (int64_t g = 0; g < total; ++g) {
    Batch b = sampler_->next();
    r.units += b.units;
    if (g / accum_ != me) continue;
    const int64_t m = g % accum_;
    if (total > 1) gen.set_state({rng0.seed, rng0.offset + static_cast<uint64_t>(g) * kMicroBatchRngStride});
    if (m == 0 && probe) s_.model->set_activation_probe(probe);
    Tensor loss = s_.model->loss(b);
    s_.model->set_activation_probe(nullptr);
    loss_tensors[size_t(m)] = loss.detach();
    {
      auto hooks = reducer_->hooks(m);
      (total > 1 ? mul(loss, 1.0 / static_cast<double>(total)) : loss).backward();
    }
    reducer_->after_backward(m);
    WEFT_CHECK(total == 1 || gen.state().offset - (rng0.offset + static_cast<uint64_t>(g) * kMicroBatchRngStride) <=
                                 kMicroBatchRngStride,
               Error, "one micro-batch drew more than ", kMicroBatchRngStride, " Philox blocks of dropout");
  }
  if (total > 1) gen.set_state({rng0.seed, rng0.offset + static_cast<uint64_t>(total) * kMicroBatchRngStride});
  reducer_->finish();
  const std::vector<double> losses = stack(loss_tensors, 0).to_vector<double>();
  // Every micro-batch's loss (and any rank's stop request) reaches every rank;
  // the mean is summed in micro-batch order, as one process sums it.
  double loss_sum = 0;
  stop_seen_ = stop_requested().load();
  if (ranks == 1) {
    for (double l : losses) loss_sum += l;
  } else {
    std::string mine(reinterpret_cast<const char*>(losses.data()), losses.size() * sizeof(double));
    mine.push_back(stop_seen_ ? 1 : 0);
    for (const std::string& theirs : w.all_gather(mine)) {
      for (int64_t m = 0; m < accum_; ++m) {
        double l;
        std::memcpy(&l, theirs.data() + size_t(m) * sizeof(double), sizeof l);
        loss_sum += l;
      }
      stop_seen_ = stop_seen_ || theirs.back() != 0;
    }
  }
  r.loss = loss_sum / static_cast<double>(total);
  r.grad_norm = clip_grad_norm(params_, s_.clip);
  if (!std::isfinite(r.loss) || !std::isfinite(r.grad_norm)) {
    const std::string what = "at step " + std::to_string(step_ + 1) + ": loss " + std::to_string(r.loss) +
                             ", gradient norm " + std::to_string(r.grad_norm);
    if (!skip_nonfinite_)
      throw TrainingDiverged("training diverged " + what +
                             " (the last good checkpoint is kept; lower optim.lr or raise schedule.warmup, or set "
                             "train.on_nonfinite: skip_step to drop such steps)");
    if (++consecutive_skips_ >= kMaxConsecutiveSkips)
      throw TrainingDiverged("training diverged " + what + ": " + std::to_string(consecutive_skips_) +
                             " steps in a row were non-finite (train.on_nonfinite: skip_step stops after " +
                             std::to_string(kMaxConsecutiveSkips) + "; the last good checkpoint is kept)");
    s_.optimizer->zero_grad();  // the step's gradients are dropped, nothing is updated
    ++skipped_steps_;
    ++step_;
    tokens_ += r.units;
    r.skipped = true;
    return r;
  }
  consecutive_skips_ = 0;
  s_.optimizer->step(r.lr);
  if (shards_ && w.size() > 1) shards_->all_gather(w, params_);  // each rank updated its own share
  s_.optimizer->zero_grad();
  ++step_;
  tokens_ += r.units;
  return r;
}

void Trainer::log_activations(const std::filesystem::path& file) {
  if (world().rank() != 0) return;
  activation_log_ = std::make_unique<std::ofstream>(file, std::ios::trunc);
  WEFT_CHECK(activation_log_->good(), DataError, "cannot write the activation log ", file.string());
}

int Trainer::run(std::optional<int64_t> until) {
  SignalScope signals;
  const Recipe& r = s_.recipe;
  const int64_t stop_at = until ? std::min(*until, total_steps_) : total_steps_;
  const int64_t log_every = r.get<int64_t>("train.log_every");
  const int64_t eval_every = r.get<int64_t>("train.eval_every");
  const int64_t ckpt_every = r.get<int64_t>("train.ckpt_every");
  const bool tty = isatty(STDOUT_FILENO);
  const bool w0 = world().rank() == 0;  // only rank 0 prints (main silences the others) and logs
  s_.model->train();
  if (step_ >= stop_at) {
    std::printf("nothing to do: the run is at step %lld of %lld\n", (long long)step_, (long long)stop_at);
    return 0;
  }
  const auto t_start = Clock::now();
  const double elapsed0 = elapsed_s_;
  const int64_t step0 = step_;
  auto window_start = Clock::now();
  int64_t window_tokens = 0;
  while (step_ < stop_at) {
    ActivationProbe probe;
    const StepResult sr = step_once(activation_log_ ? &probe : nullptr);
    const double loss_v = sr.loss, gnorm = sr.grad_norm, lr = sr.lr;
    window_tokens += sr.units;
    if (sr.skipped) {
      if (w0) metrics_.append({{"step", step_}, {"kind", "skip"}, {"loss", round_trip(loss_v)}, {"grad_norm", round_trip(gnorm)},
                       {"skipped_steps", skipped_steps_}});
      std::printf("%sstep %lld skipped: loss %g, gradient norm %g (train.on_nonfinite: skip_step; %lld skipped so far)\n",
                  tty ? "\n" : "", (long long)step_, loss_v, gnorm, (long long)skipped_steps_);
      std::fflush(stdout);
    }
    if (activation_log_) {
      nlohmann::ordered_json line = {{"step", step_}};
      for (const auto& [name, v] : probe.values()) line[name] = round_trip(v);
      *activation_log_ << line.dump() << "\n" << std::flush;
    }
    elapsed_s_ = elapsed0 + std::chrono::duration<double>(Clock::now() - t_start).count();

    if (step_ % log_every == 0 || step_ == stop_at) {
      const double dt = std::chrono::duration<double>(Clock::now() - window_start).count();
      const double tps = dt > 0 ? static_cast<double>(window_tokens) / dt : 0;
      window_start = Clock::now();
      window_tokens = 0;
      if (w0)
        metrics_.append({{"step", step_},
                       {"kind", "train"},
                       {"world_size", world().size()},
                       {"loss", round_trip(loss_v)},
                       {"lr", round_trip(lr)},
                       {"grad_norm", round_trip(gnorm)},
                       {"tokens", tokens_},
                       {"tokens_per_s", round_trip(tps)},
                       {"elapsed_s", round_trip(elapsed_s_)}});
      const double per_step = (elapsed_s_ - elapsed0) / static_cast<double>(step_ - step0);
      const std::string eta = format_eta(per_step * static_cast<double>(stop_at - step_));
      if (tty) {
        const int width = 30;
        const int filled = static_cast<int>(width * step_ / std::max<int64_t>(1, stop_at));
        std::printf("\r[%s%s] %lld/%lld loss %.4f %.0f tok/s ETA %s   ", std::string(filled, '#').c_str(),
                    std::string(width - filled, '.').c_str(), (long long)step_, (long long)stop_at, loss_v, tps,
                    eta.c_str());
      } else {
        std::printf("step %lld/%lld loss %.4f lr %.3g grad_norm %.3f tok/s %.0f ETA %s\n", (long long)step_,
                    (long long)stop_at, loss_v, lr, gnorm, tps, eta.c_str());
      }
      std::fflush(stdout);
    }
    const bool last = step_ == stop_at;
    if ((eval_every > 0 && step_ % eval_every == 0) || (last && step_ == total_steps_)) run_eval(last);
    if ((ckpt_every > 0 && step_ % ckpt_every == 0) || last) save_checkpoint();
    if ((stop_seen_ || (world().size() == 1 && stop_requested().load())) && !last) {
      save_checkpoint();
      std::printf("%sinterrupted at step %lld: checkpoint saved; continue with `weft resume %s`\n", tty ? "\n" : "",
                  (long long)step_, run_dir_.string().c_str());
      return 130;
    }
  }
  if (tty) std::printf("\n");
  std::printf("%s at step %lld/%lld (%s); checkpoint %s\n", step_ == total_steps_ ? "finished" : "stopped",
              (long long)step_, (long long)total_steps_, format_eta(elapsed_s_).c_str(),
              (run_dir_ / "checkpoints" / checkpoint_folder_name(step_)).string().c_str());
  return 0;
}

}  // namespace weft
