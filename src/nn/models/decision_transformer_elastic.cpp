// Elastic DT's parts of `model.type: decision_transformer` (Wu, Wang, Hamaya,
// "Elastic Decision Transformer", NeurIPS 2023; kristery/Elastic-DT): the
// binned return input, the return-bin and expectile heads of the state token,
// the next-state head, and their losses.
#include <algorithm>
#include <cmath>

#include "weft/core/error.h"
#include "weft/nn/models/decision_transformer.h"
#include "weft/ops/ops.h"

namespace weft {
namespace {

// An output head with the parameterization's output multiplier (µP), as the action head.
Tensor head(const Linear& l, const Tensor& x, const Parameterization& p) {
  const Tensor y = l.forward(x);
  return p.output_mult() != 1.0 ? mul(y, p.output_mult()) : y;
}

}  // namespace

Schema elastic_schema() {
  Schema s;
  s.add_bool("enabled", false).help("true: Elastic DT on this network (needs condition_on_return)");
  s.add_int("num_bins", 60).range(2, 100000).help("return bins over the data's return-to-go range");
  s.add_number("tau", 0.99).range(0.5, 0.9999).help("expectile of the maximal-return head (u = R̂ − R̃)");
  s.add_number("expectile_weight", 0.5).range(0.0, 1e6).help("weight of the expectile loss");
  s.add_number("bin_weight", 0.001).range(0.0, 1e6).help("weight of the return-bin cross-entropy");
  s.add_number("state_weight", 1.0).range(0.0, 1e6).help("weight of the next-state MSE");
  s.add_int("search_stride", 2).range(1, 4096).help("rollout: history lengths K, K − stride, … are searched");
  return s;
}

std::vector<double> DecisionTransformer::return_bins(const std::vector<double>& rtg) const {
  // Bin b of num_bins equal bins over [rtg_min, rtg_max], fed as 2b/(n−1) − 1 (Elastic DT's encode_return).
  const double lo = spec_.rtg_min, hi = spec_.rtg_max > spec_.rtg_min ? spec_.rtg_max : spec_.rtg_min + 1;
  const int64_t n = edt_.num_bins;
  std::vector<double> out(rtg.size());
  for (size_t i = 0; i < rtg.size(); ++i) {
    const double f = (rtg[i] - lo) / (hi - lo);
    const int64_t b = std::clamp<int64_t>(int64_t(std::floor(f * double(n))), 0, n - 1);
    out[i] = 2.0 * double(b) / double(n - 1) - 1.0;
  }
  return out;
}

Tensor DecisionTransformer::estimate_returns(const Batch& b) {
  WEFT_CHECK(edt_.enabled, ConfigError, "decision_transformer: estimate_returns needs model.elastic.enabled");
  const Tensor h = hidden(b.to(device()));  // the history-length search builds windows on the host
  const int64_t B = h.size(0), K = h.size(1) / 3, d = h.size(2);
  const Tensor hs = reshape(narrow(reshape(h, {B, K, 3, d}), 2, 0, 1), {B, K, d});  // the state tokens
  return reshape(head(*rmax_head_, hs, *param_), {B, K});
}

DecisionTransformer::ElasticTerms DecisionTransformer::elastic_terms(const Batch& b, const Tensor& h,
                                                                     const Tensor& action_pred) {
  const int64_t B = h.size(0), K = h.size(1) / 3, d = h.size(2);
  const DType dt = h.dtype();
  const Tensor h3 = reshape(h, {B, K, 3, d});
  const Tensor hs = reshape(narrow(h3, 2, 0, 1), {B, K, d}), hr = reshape(narrow(h3, 2, 1, 1), {B, K, d});
  const Tensor mask = b.at("mask").to(dt);
  const std::vector<double> m = mask.to_vector<double>();
  double real = 0;
  for (double v : m) real += v;
  ElasticTerms t;
  // Expectile regression of R̃ on the data's R̂: |τ − 1[u<0]|·u² (the weight is
  // piecewise constant, so its gradient is zero almost everywhere).
  const Tensor rtg = reshape(b.at("returns_to_go").to(dt), {B, K});
  const Tensor u = sub(rtg, reshape(head(*rmax_head_, hs, *param_), {B, K}));
  const Tensor below = lt(u, Tensor::zeros(u.shape(), dt, u.device()));
  const Tensor w = add(mul(below, 1.0 - 2.0 * edt_.tau), edt_.tau);
  t.expectile = div(sum(mul(mul(w, mul(u, u)), mask)), std::max(1.0, real));
  // Return-bin classifier: the bin of R̂_t, padded steps ignored.
  const std::vector<double> rv = b.at("returns_to_go").to_vector<double>(), enc = return_bins(rv);
  std::vector<int64_t> y(rv.size());
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = m[i] != 0 ? std::llround((enc[i] + 1.0) * 0.5 * double(edt_.num_bins - 1)) : -100;
  t.bins = softmax_cross_entropy(head(*bin_head_, hs, *param_), Tensor::from_vector(y, {B, K}, h.device()));
  // Next state from [h_R, â] at step k against the (normalised) state of step k + 1.
  if (K > 1) {
    const Tensor pred = head(*next_state_head_, concat({hr, action_pred}, 2), *param_);
    const Tensor err = sub(narrow(pred, 1, 0, K - 1), narrow(b.at("states").to(dt), 1, 1, K - 1));
    const Tensor both = mul(narrow(mask, 1, 0, K - 1), narrow(mask, 1, 1, K - 1));
    double pairs = 0;
    for (double v : both.to_vector<double>()) pairs += v;
    t.state = div(sum(mul(mul(err, err), unsqueeze(both, 2))), std::max(1.0, pairs) * double(spec_.state_dim));
  }
  return t;
}

}  // namespace weft
