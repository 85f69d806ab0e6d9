// A user's own task, part 1: a dataset type and its evaluator, in their own
// file, each registered with one line (README "Adding a task"). Built into
// build/weft_ext with no change to weft's sources.
//
// `data.type: running_sum`: sample i is a sequence of T noisy inputs
// x_t = N(0, 1) and targets y_t = x_1 + … + x_t + ε_t, ε_t ~ N(0, noise²), all
// drawn from Philox counters of (data seed, i, t), so every sample is a pure
// function of its index. Samples [0, train_samples) train, the next
// val_samples validate (a fixed split). The training sampler draws sample
// indices from the recipe's seed and a cursor — its whole state.
// `running_sum_mse` scores the mean squared error over every val target.
#include <cmath>
#include <cstdio>

#include "weft/core/error.h"
#include "weft/core/rng.h"
#include "weft/data/dataset.h"
#include "weft/data/evaluator.h"

namespace {

using weft::Batch;
using weft::Tensor;

struct RunningSumSpec {
  uint64_t data_seed = 0;
  int64_t train_samples = 0, val_samples = 0;
  double noise = 0;

  // Samples [first, first + n) of `context` steps as a batch:
  // "inputs" [n, T, 1] and "targets" [n, T] (f32).
  Batch samples(const std::vector<int64_t>& index, int64_t context) const {
    const int64_t n = static_cast<int64_t>(index.size());
    Tensor x = Tensor::empty({n, context, 1}), y = Tensor::empty({n, context});
    float* xp = x.data<float>();
    float* yp = y.data<float>();
    for (int64_t b = 0; b < n; ++b) {
      const weft::PhiloxState s{data_seed, static_cast<uint64_t>(index[static_cast<size_t>(b)])};
      double sum = 0;
      for (int64_t t = 0; t < context; ++t) {
        const double v = weft::philox_normal(s, static_cast<uint64_t>(2 * t));
        sum += v;
        xp[b * context + t] = static_cast<float>(v);
        yp[b * context + t] = static_cast<float>(sum + noise * weft::philox_normal(s, static_cast<uint64_t>(2 * t + 1)));
      }
    }
    Batch out;
    out.set("inputs", x).set("targets", y);
    out.units = n * context;
    return out;
  }
};

class RunningSumSampler : public weft::Sampler {
 public:
  RunningSumSampler(RunningSumSpec spec, int64_t batch, int64_t context, uint64_t seed)
      : spec_(spec), batch_(batch), context_(context), seed_(seed) {}
  Batch next() override {
    std::vector<int64_t> index;
    for (int64_t b = 0; b < batch_; ++b) {
      const double u = weft::philox_uniform({seed_, 7}, static_cast<uint64_t>(cursor_ * batch_ + b));
      index.push_back(std::min(static_cast<int64_t>(u * double(spec_.train_samples)), spec_.train_samples - 1));
    }
    ++cursor_;
    return spec_.samples(index, context_);
  }
  nlohmann::json state() const override { return {{"cursor", cursor_}}; }
  void load_state(const nlohmann::json& j) override {
    WEFT_CHECK(j.is_object() && j.contains("cursor") && j["cursor"].is_number_integer(), weft::CheckpointError,
               "running_sum sampler state: 'cursor' is missing or malformed");
    cursor_ = j["cursor"].get<int64_t>();
  }

 private:
  RunningSumSpec spec_;
  int64_t batch_, context_;
  uint64_t seed_;
  int64_t cursor_ = 0;
};

class RunningSumVal : public weft::EvalSource {
 public:
  RunningSumVal(RunningSumSpec spec, int64_t batch, int64_t context) : spec_(spec), batch_(batch), context_(context) {}
  int64_t size() const override { return (spec_.val_samples + batch_ - 1) / batch_; }
  Batch at(int64_t i) const override {
    std::vector<int64_t> index;
    for (int64_t k = i * batch_; k < std::min((i + 1) * batch_, spec_.val_samples); ++k)
      index.push_back(spec_.train_samples + k);
    return spec_.samples(index, context_);
  }

 private:
  RunningSumSpec spec_;
  int64_t batch_, context_;
};

class RunningSumData : public weft::Dataset {
 public:
  static weft::Schema schema() {
    weft::Schema s;
    s.add_int("data_seed", 11).range(0, int64_t(1) << 40).help("seed of the generated sequences");
    s.add_int("train_samples", 4096).range(1, int64_t(1) << 30).help("training sequences");
    s.add_int("val_samples", 256).range(1, int64_t(1) << 30).help("validation sequences");
    s.add_number("noise", 0.1).range(0.0, 10.0).help("std of the noise on each target");
    return s;
  }
  static std::shared_ptr<weft::Dataset> create(const weft::ResolvedView& d) {
    auto r = std::make_shared<RunningSumData>();
    r->spec_ = {d.get<uint64_t>("data_seed"), d.get<int64_t>("train_samples"), d.get<int64_t>("val_samples"),
                d.get<double>("noise")};
    return r;
  }
  // Nothing to read: the description follows from the recipe.
  static std::optional<nlohmann::json> describe(const weft::ResolvedView&) { return nlohmann::json{{"input_dim", 1}}; }

  nlohmann::json description() const override { return {{"input_dim", 1}}; }
  std::string summary() const override {
    return std::to_string(spec_.train_samples) + " + " + std::to_string(spec_.val_samples) + " running-sum sequences";
  }
  std::string evaluator() const override { return "running_sum_mse"; }
  std::unique_ptr<weft::Sampler> train_sampler(int64_t batch, int64_t context, uint64_t seed) const override {
    return std::make_unique<RunningSumSampler>(spec_, batch, context, seed);
  }
  std::unique_ptr<weft::EvalSource> eval_source(weft::Split split, int64_t batch, int64_t context) const override {
    WEFT_CHECK(split == weft::Split::val, weft::DataError, "running_sum has no ", weft::split_name(split), " split");
    return std::make_unique<RunningSumVal>(spec_, batch, context);
  }
  void check_usable(int64_t, int64_t) const override {}

 private:
  RunningSumSpec spec_;
};

// Mean squared error per target over the validation split (or its first
// `eval.running_sum_mse.max_samples` sequences).
class RunningSumMSE : public weft::Evaluator {
 public:
  static weft::Schema schema() {
    weft::Schema s;
    s.add_int("max_samples", 0).range(0, int64_t(1) << 30).help("score only the first N sequences (0 = all)");
    return s;
  }
  explicit RunningSumMSE(const weft::ResolvedView& options) : max_samples_(options.get<int64_t>("max_samples")) {}

  weft::EvalReport evaluate(weft::Model& model, const weft::Dataset& data, const weft::EvalRequest& req) override {
    weft::EvalModeScope scope(model);
    auto val = data.eval_source(req.split, req.batch, model.context_length());
    double total = 0;
    int64_t n = 0;
    for (int64_t i = 0; i < val->size() && (max_samples_ == 0 || n < max_samples_ * model.context_length()); ++i) {
      Batch b = val->at(i);
      total += model.loss(b).item() * double(b.units);  // the model's loss is this MSE
      n += b.units;
    }
    weft::EvalReport r;
    const double mse = total / double(n);
    r.metrics = {{"mse", mse}, {"rmse", std::sqrt(mse)}};
    r.units = n;
    r.unit = "targets";
    r.primary = "mse";
    char line[64];
    std::snprintf(line, sizeof line, "mse %.5f, rmse %.4f", mse, std::sqrt(mse));
    r.text = line;
    return r;
  }

 private:
  int64_t max_samples_;
};

}  // namespace

WEFT_REGISTER_DATASET("running_sum", RunningSumData, "noisy sequences whose target is the running sum (a user's task)");
WEFT_REGISTER_EVALUATOR("running_sum_mse", RunningSumMSE, "mean squared error of the running-sum predictions");
