#include "weft/nn/models/decision_transformer.h"

#include <algorithm>

#include "weft/core/error.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/registry.h"
#include "weft/ops/ops.h"
#include "weft/param/registry.h"

namespace weft {

namespace {

// Real steps per row of a left-padded mask [B, K]; ValueError for a mask that
// is not zeros then ones with at least one real step.
std::vector<int64_t> pads_of(const Tensor& mask) {
  const int64_t B = mask.size(0), K = mask.size(1);
  const std::vector<double> m = mask.to_vector<double>();
  std::vector<int64_t> pads(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    int64_t p = 0;
    while (p < K && m[size_t(b * K + p)] == 0) ++p;
    for (int64_t k = p; k < K; ++k)
      WEFT_CHECK(m[size_t(b * K + k)] == 1, ValueError,
                 "decision_transformer: the mask of row ", b, " is not left padding (zeros, then ones)");
    WEFT_CHECK(p < K, ValueError, "decision_transformer: row ", b, " of the window has no real step");
    pads[size_t(b)] = p;
  }
  return pads;
}

// Rotates each row of x [B, T, d] left by shift[b] tokens (sign: +1 forward, −1 back).
Tensor rotate_rows(const Tensor& x, const std::vector<int64_t>& shift, int sign) {
  const int64_t B = x.size(0), T = x.size(1), d = x.size(2);
  std::vector<int64_t> idx(size_t(B * T));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < T; ++j) idx[size_t(b * T + j)] = b * T + (((j + sign * shift[size_t(b)]) % T) + T) % T;
  Tensor flat = reshape(x, {B * T, d});
  return reshape(index_select(flat, 0, Tensor::from_vector(idx, {B * T}, x.device())), {B, T, d});
}

}  // namespace

DecisionTransformer::DecisionTransformer(const DecisionTransformerConfig& cfg, const ElasticConfig& edt,
                                         const TrajectorySpec& spec, const ModelArgs& a)
    : cfg_(cfg), edt_(edt), spec_(spec), dropout_gen_(a.seed ^ 0xD7D7D7D7ull) {
  const int64_t d = cfg.d_model;
  Generator init(a.seed);
  param_ = build_parameterization(a.param, {d, cfg.n_layers, d / cfg.n_heads});
  const LinearOptions in{true, false, ParamRole::embedding};
  time_ = register_module("time_emb", std::make_shared<Embedding>(cfg.max_ep_len, d, *param_, init));
  ret_ = register_module("ret_emb", std::make_shared<Linear>(1, d, *param_, init, in));
  state_ = register_module("state_emb", std::make_shared<Linear>(spec.state_dim, d, *param_, init, in));
  if (spec.discrete)
    act_emb_ = register_module("action_emb", std::make_shared<Embedding>(spec.n_actions, d, *param_, init));
  else
    act_lin_ = register_module("action_emb", std::make_shared<Linear>(spec.act_dim, d, *param_, init, in));
  ln_embed_ = register_module("ln_embed", make_norm("layernorm", d, 1e-5));
  BlockStackConfig sc;
  sc.d_model = d;
  sc.n_layers = cfg.n_layers;
  sc.n_heads = cfg.n_heads;
  sc.seq_len = 3 * cfg.context_K;
  const ResolvedView block = a.model.at("block");
  sc.layerdrop = block.get_or<double>("layerdrop", 0.0);
  stack_ = register_module("blocks", std::make_shared<BlockStack>(sc, param_, registered_block_builder(block), init,
                                                                  &dropout_gen_, a.seed, block.get<std::string>("type")));
  if (!stack_->output_normalized()) ln_f_ = register_module("ln_f", make_norm("layernorm", d, 1e-5));
  head_ = register_module("action_head",
                          std::make_shared<Linear>(d, spec.discrete ? spec.n_actions : spec.act_dim, *param_, init,
                                                   LinearOptions{true, false, ParamRole::output}));
  if (edt.enabled) {
    const LinearOptions out{true, false, ParamRole::output};
    bin_head_ = register_module("return_bin_head", std::make_shared<Linear>(d, edt.num_bins, *param_, init, out));
    rmax_head_ = register_module("expectile_head", std::make_shared<Linear>(d, 1, *param_, init, out));
    const int64_t a_out = spec.discrete ? spec.n_actions : spec.act_dim;
    next_state_head_ = register_module("state_head",
                                       std::make_shared<Linear>(d + a_out, spec.state_dim, *param_, init, out));
  }
}

Tensor DecisionTransformer::embed(const Batch& b) {
  const Tensor& st = b.at("states");
  const int64_t B = st.size(0), K = st.size(1), d = cfg_.d_model;
  WEFT_CHECK(st.dim() == 3 && st.size(2) == spec_.state_dim && K <= cfg_.context_K, ShapeError,
             "decision_transformer: states must be [B, K <= ", cfg_.context_K, ", ", spec_.state_dim, "], got ",
             st.describe());
  const DType dt = ret_->weight().tensor.dtype();
  const Device dev = device();
  std::vector<int64_t> ts = b.at("timesteps").to_vector<int64_t>();
  for (auto& t : ts) t = std::clamp<int64_t>(t, 0, cfg_.max_ep_len - 1);  // longer episodes reuse the last row
  const Tensor omega = time_->forward(Tensor::from_vector(ts, {B, K}, dev));
  Tensor rtg = b.at("returns_to_go").to(dt);
  if (edt_.enabled) rtg = Tensor::from_vector(return_bins(rtg.to_vector<double>()), rtg.shape(), dev).to(dt);
  if (!cfg_.condition_on_return) rtg = Tensor::zeros(rtg.shape(), dt, dev);
  const Tensor tok_r = add(ret_->forward(rtg), omega);
  const Tensor tok_s = add(state_->forward(st.to(dt)), omega);
  Tensor tok_a;
  if (spec_.discrete) {
    std::vector<double> av = b.at("actions").to_vector<double>();
    std::vector<int64_t> ids(av.size());
    for (size_t i = 0; i < av.size(); ++i) ids[i] = std::clamp<int64_t>(int64_t(av[i]), 0, spec_.n_actions - 1);
    tok_a = add(act_emb_->forward(Tensor::from_vector(ids, {B, K}, dev)), omega);
  } else {
    tok_a = add(act_lin_->forward(b.at("actions").to(dt)), omega);
  }
  // Chen et al.: (R̂, s, a); Elastic DT: (s, R̂, a).
  const std::vector<Tensor> step_tokens =
      edt_.enabled ? std::vector<Tensor>{tok_s, tok_r, tok_a} : std::vector<Tensor>{tok_r, tok_s, tok_a};
  Tensor x = reshape(stack(step_tokens, 2), {B, 3 * K, d});
  x = apply_norm(*ln_embed_, x);
  if (param_->input_mult() != 1.0) x = mul(x, param_->input_mult());
  return dropout(x, cfg_.embed_dropout, is_training(), &dropout_gen_);
}

Tensor DecisionTransformer::hidden(const Batch& b) {
  std::vector<int64_t> shift = pads_of(b.at("mask"));
  const bool padded = std::any_of(shift.begin(), shift.end(), [](int64_t p) { return p > 0; });
  for (auto& s : shift) s *= 3;
  Tensor x = embed(b);
  if (probe_) probe_->record("embed", x);
  if (padded) x = rotate_rows(x, shift, +1);
  x = stack_->forward(x, step_, probe_);
  if (ln_f_) x = apply_norm(*ln_f_, x);
  return padded ? rotate_rows(x, shift, -1) : x;
}

// The action is read from the token at offset 1 of each step: the state
// token in (R̂, s, a), the return token in Elastic DT's (s, R̂, a).
Tensor DecisionTransformer::action_head(const Tensor& h) {
  const int64_t B = h.size(0), K = h.size(1) / 3, d = h.size(2);
  Tensor hs = reshape(narrow(reshape(h, {B, K, 3, d}), 2, 1, 1), {B, K, d});
  Tensor out = head_->forward(hs);
  if (param_->output_mult() != 1.0) out = mul(out, param_->output_mult());
  return !spec_.discrete && cfg_.action_tanh ? tanh(out) : out;
}

// Rollouts build their windows on the host: the batch moves to the model's device here.
Tensor DecisionTransformer::predict_actions(const Batch& b) { return action_head(hidden(b.to(device()))); }

Tensor DecisionTransformer::compute_loss(const Batch& b) {
  if (!edt_.enabled) return action_loss(b, predict_actions(b));
  const Tensor h = hidden(b);
  const Tensor pred = action_head(h);
  const ElasticTerms t = elastic_terms(b, h, pred);
  Tensor l = add(action_loss(b, pred), mul(t.expectile, edt_.expectile_weight));
  l = add(l, mul(t.bins, edt_.bin_weight));
  return t.state.defined() ? add(l, mul(t.state, edt_.state_weight)) : l;
}

Tensor DecisionTransformer::action_loss(const Batch& b, const Tensor& pred) {
  const Tensor& mask = b.at("mask");
  const int64_t B = mask.size(0), K = mask.size(1);
  if (spec_.discrete) {
    std::vector<double> av = b.at("actions").to_vector<double>(), m = mask.to_vector<double>();
    std::vector<int64_t> y(size_t(B * K));
    for (size_t i = 0; i < y.size(); ++i) y[i] = m[i] != 0 ? int64_t(av[i]) : -100;  // padded steps are ignored
    return softmax_cross_entropy(pred, Tensor::from_vector(y, {B, K}, pred.device()));
  }
  const DType dt = pred.dtype();
  Tensor err = sub(pred, b.at("actions").to(dt));
  Tensor masked = mul(mul(err, err), unsqueeze(mask.to(dt), 2));
  double real = 0;
  for (double v : mask.to_vector<double>()) real += v;
  return div(sum(masked), std::max(1.0, real) * double(spec_.act_dim));
}

double DecisionTransformer::flops_per_unit() const {
  // Three tokens per timestep.
  return 3.0 * (6.0 * double(num_parameters()) + 12.0 * double(cfg_.n_layers * cfg_.d_model * 3 * cfg_.context_K));
}

Schema DecisionTransformer::schema() {
  Schema s;
  s.add_int("context_K", 20).range(1, 4096).help("timesteps per window (3K tokens)");
  s.add_int("d_model", 128).range(1, 65536).help("width");
  s.add_int("n_layers", 3).range(1, 1024).help("blocks");
  s.add_int("n_heads", 1).range(1, 1024).help("attention heads (must divide d_model)");
  s.add_int("max_ep_len").range(1, 1 << 24).help("rows of the timestep embedding (default: the environment's limit)");
  s.add_number("embed_dropout", 0.1).range(0.0, 0.95).help("dropout on the normalised embeddings");
  s.add_bool("condition_on_return", true).help("false: zero the return-to-go input (behaviour cloning, same network)");
  s.add_bool("action_tanh", true).help("continuous actions: tanh on the action head (actions in [-1, 1] units)");
  s.add_section("elastic", elastic_schema()).help("Elastic DT: (s, R̂, a) order, return-bin and expectile heads, "
                                                    "history-length search at rollout");
  s.add_polymorphic("block", LayerRegistry::get("block").catalog(), "pre_ln").help("residual block type");
  s.add_check([](const ResolvedView& v, Reporter& r) {
    if (v.get<int64_t>("d_model") % v.get<int64_t>("n_heads") != 0) r.error("n_heads", "does not divide d_model");
    if (v.at("elastic").get<bool>("enabled") && !v.get<bool>("condition_on_return"))
      r.error("elastic.enabled", "Elastic DT conditions on its own return estimate: it needs condition_on_return: true");
    ResolvedView block = v.at("block");
    if (block.has("attn")) {
      const std::string t = block.at("attn").get<std::string>("type");
      if (AttentionRegistry::instance().is_bidirectional(t))
        r.error("block.attn.type", "'" + t + "' is bidirectional: the action of step t would see later steps; use a "
                                   "causal type such as softmax");
    }
  });
  return s;
}

std::shared_ptr<Model> DecisionTransformer::create(const ModelArgs& a) {
  const TrajectorySpec spec = TrajectorySpec::from_json(a.data, "model.type decision_transformer");
  DecisionTransformerConfig c;
  c.context_K = a.model.get<int64_t>("context_K");
  c.d_model = a.model.get<int64_t>("d_model");
  c.n_layers = a.model.get<int64_t>("n_layers");
  c.n_heads = a.model.get<int64_t>("n_heads");
  c.max_ep_len = a.model.has("max_ep_len") ? a.model.get<int64_t>("max_ep_len") : spec.max_ep_len;
  c.embed_dropout = a.model.get<double>("embed_dropout");
  c.condition_on_return = a.model.get<bool>("condition_on_return");
  c.action_tanh = a.model.get<bool>("action_tanh");
  const ResolvedView e = a.model.at("elastic");
  ElasticConfig edt;
  edt.enabled = e.get<bool>("enabled");
  edt.num_bins = e.get<int64_t>("num_bins");
  edt.search_stride = e.get<int64_t>("search_stride");
  edt.tau = e.get<double>("tau");
  edt.expectile_weight = e.get<double>("expectile_weight");
  edt.bin_weight = e.get<double>("bin_weight");
  edt.state_weight = e.get<double>("state_weight");
  return std::make_shared<DecisionTransformer>(c, edt, spec, a);
}

WEFT_REGISTER_MODEL("decision_transformer", DecisionTransformer,
                    "Decision Transformer: (return-to-go, state, action) tokens, action from the state token");

}  // namespace weft
