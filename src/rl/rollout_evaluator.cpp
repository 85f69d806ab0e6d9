// `rollout`: the evaluator of `data.type: trajectories` — rolls the model out
// in the data's environment at each target return (rl/rollout.h) and reports
// per target the mean ± std return and length and the D4RL-style normalised
// score. Options: `eval.rollout: {targets, episodes, seed, rtg_mode, max_steps}`.
// The trainer's mid-run evals (train.eval_batches > 0) run that many episodes
// per target instead of `episodes`, so they stay short.
#include <cmath>
#include <cstdio>

#include "weft/core/error.h"
#include "weft/data/evaluator.h"
#include "weft/rl/rollout.h"

namespace weft {
namespace {

class RolloutEvaluator : public Evaluator {
 public:
  static Schema schema() {
    Schema s;
    s.add_numbers("targets", std::vector<double>{})
        .help("target returns to condition on (default: the expert reference return)");
    s.add_int("episodes", 10).range(1, 1 << 20).help("episodes per target");
    s.add_int("seed", 1000003).range(0, int64_t(1) << 40).help("seed of the episodes' initial states");
    s.add_choice("rtg_mode", {"decrement", "delayed"}, "decrement")
        .help("decrement: R̂ -= r / scale each step; delayed: R̂ stays at the target");
    s.add_int("max_steps", 0).range(0, 1 << 24).help("cut episodes at this length (0 = the environment's limit)");
    return s;
  }
  explicit RolloutEvaluator(const ResolvedView& v)
      : targets_(v.get<std::vector<double>>("targets")),
        episodes_(v.get<int64_t>("episodes")),
        seed_(v.get<uint64_t>("seed")),
        delayed_(v.get<std::string>("rtg_mode") == "delayed"),
        max_steps_(v.get<int64_t>("max_steps")) {}

  EvalReport evaluate(Model& model, const Dataset&, const EvalRequest& req) override {
    auto* policy = dynamic_cast<SequencePolicy*>(&model);
    WEFT_CHECK(policy != nullptr, ConfigError,
               "the rollout evaluator needs a model that acts in an environment (e.g. model.type: "
               "decision_transformer)");
    EvalModeScope scope(model);
    const TrajectorySpec& spec = policy->trajectory_spec();
    std::vector<double> targets = targets_;
    if (targets.empty()) targets = {spec.ref_expert_return};
    if (policy->search_stride() > 0) targets.resize(1);  // Elastic DT conditions on its own estimate
    RolloutOptions o;
    o.episodes = req.max_batches > 0 ? std::min(req.max_batches, episodes_) : episodes_;
    o.seed = seed_;
    o.delayed = delayed_;
    o.max_steps = max_steps_;
    EvalReport r;
    nlohmann::json per = nlohmann::json::array();
    std::string text;
    for (size_t i = 0; i < targets.size(); ++i) {
      o.target = targets[i];
      const std::vector<EpisodeResult> eps = rollout(*policy, model.context_length(), o);
      for (size_t k = 0; k < eps.size(); ++k)
        r.records.push_back({{"target", targets[i]}, {"episode", k}, {"return", eps[k].ret},
                             {"length", eps[k].length}, {"score", normalized_score(spec, eps[k].ret)}});
      double m = 0, v = 0, len = 0;
      for (auto& e : eps) m += e.ret / double(eps.size()), len += double(e.length) / double(eps.size());
      for (auto& e : eps) v += (e.ret - m) * (e.ret - m) / double(eps.size());
      const double sd = std::sqrt(v), score = normalized_score(spec, m);
      per.push_back({{"target", targets[i]}, {"return", m}, {"return_std", sd}, {"length", len}, {"score", score}});
      if (i == 0) r.metrics = {{"return", m}, {"return_std", sd}, {"length", len}, {"score", score}};
      char line[160];
      std::snprintf(line, sizeof line, "%starget %g: return %.2f ± %.2f, length %.1f, score %.1f", i ? "; " : "",
                    targets[i], m, sd, len, score);
      text += line;
      r.units += int64_t(eps.size());
    }
    r.metrics["targets"] = per;
    r.unit = "episodes";
    r.primary = "return";
    r.higher_is_better = true;
    r.text = text;
    return r;
  }

 private:
  std::vector<double> targets_;
  int64_t episodes_;
  uint64_t seed_;
  bool delayed_;
  int64_t max_steps_;
};

WEFT_REGISTER_EVALUATOR("rollout", RolloutEvaluator,
                        "rolls the policy out in the data's environment at target returns (return, score)");

}  // namespace
}  // namespace weft
