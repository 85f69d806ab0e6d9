#include "weft/nn/models/megabyte.h"

#include "weft/config/diagnostics.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/registry.h"
#include "weft/ops/ops.h"
#include "weft/param/registry.h"

namespace weft {

// The patch embedder — E_G [V, D_G], E_pos [seq_len, D_G] and the trainable
// global pad [P·D_G] — lives in the global stack's parameterization scope: its
// width is the global one (param/multipliers.h reads scope_parameterization()).
class MegabytePatchEmbedder : public Module {
 public:
  MegabytePatchEmbedder(const MegabyteConfig& c, std::shared_ptr<Parameterization> param, Generator& init)
      : param_(std::move(param)) {
    tok = register_module("tok_emb", std::make_shared<Embedding>(c.vocab, c.d_g(), *param_, init));
    pos = register_module("pos_emb", std::make_shared<Embedding>(c.seq_len, c.d_g(), *param_, init));
    if (c.pad_id < 0) {
      InitRequest r{ParamRole::embedding, 1, c.global.d_model, false};
      pad = &register_parameter("pad", init_parameter(*param_, r, {c.global.d_model}, init), ParamRole::embedding);
      pad->init_std = init_std_of(*param_, r);
    }
  }
  const Parameterization* scope_parameterization() const override { return param_.get(); }

  std::shared_ptr<Embedding> tok, pos;
  Parameter* pad = nullptr;

 private:
  std::shared_ptr<Parameterization> param_;
};

Megabyte::Megabyte(const MegabyteConfig& cfg, std::shared_ptr<Parameterization> global_param,
                   std::shared_ptr<Parameterization> local_param, const BlockBuilder& global_block,
                   const BlockBuilder& local_block, uint64_t init_seed, std::string global_type, std::string local_type)
    : cfg_(cfg),
      global_param_(std::move(global_param)),
      local_param_(std::move(local_param)),
      dropout_gen_(init_seed ^ 0x9E3779B97F4A7C15ull) {
  WEFT_CHECK(cfg.patch >= 1 && cfg.global.d_model % cfg.patch == 0, ShapeError, "megabyte: patch ", cfg.patch,
             " does not divide the global width ", cfg.global.d_model);
  WEFT_CHECK(cfg.patch <= cfg.seq_len, ShapeError, "megabyte: patch ", cfg.patch, " exceeds seq_len ", cfg.seq_len);
  WEFT_CHECK(cfg.pad_id < cfg.vocab, ShapeError, "megabyte: pad_id ", cfg.pad_id, " is not below the vocabulary ",
             cfg.vocab);
  Generator init(init_seed);
  patch_embed_ = register_module("patch_embed", std::make_shared<MegabytePatchEmbedder>(cfg, global_param_, init));
  auto stack = [&](const char* name, const MegabyteStackConfig& s, int64_t len,
                   const std::shared_ptr<Parameterization>& p, const BlockBuilder& b, std::string type, uint64_t seed) {
    BlockStackConfig sc;
    sc.name = name;
    sc.d_model = s.d_model;
    sc.n_layers = s.n_layers;
    sc.n_heads = s.n_heads;
    sc.seq_len = len;
    sc.layerdrop = s.layerdrop;
    return register_module(name, std::make_shared<BlockStack>(sc, p, b, init, &dropout_gen_, seed, std::move(type)));
  };
  // LayerDrop draws of the two stacks are keyed apart (same layer indices).
  global_ =
      stack("global", cfg.global, cfg.max_patches(), global_param_, global_block, std::move(global_type), init_seed);
  if (!global_->output_normalized())
    global_norm_ = register_module("global_norm", make_norm("layernorm", cfg.global.d_model, 1e-5));
  global_to_local_ = register_module("global_to_local",
                                     std::make_shared<Linear>(cfg.d_g(), cfg.local.d_model, *local_param_, init,
                                                              LinearOptions{false, false, ParamRole::hidden_weight}));
  if (cfg.local_model || cfg.tie_local_unembed)
    local_emb_ =
        register_module("local_emb", std::make_shared<Embedding>(cfg.vocab, cfg.local.d_model, *local_param_, init));
  if (cfg.pad_id < 0 && cfg.local_model) {
    InitRequest r{ParamRole::embedding, 1, cfg.local.d_model, false};
    local_pad_ = &register_parameter("local_pad", init_parameter(*local_param_, r, {cfg.local.d_model}, init),
                                     ParamRole::embedding);
    local_pad_->init_std = init_std_of(*local_param_, r);
  }
  if (cfg.local_model)
    local_ = stack("local", cfg.local, cfg.patch, local_param_, local_block, std::move(local_type),
                   init_seed ^ 0xD1B54A32D192ED03ull);
  if (!local_ || !local_->output_normalized())
    local_norm_ = register_module("local_norm", make_norm("layernorm", cfg.local.d_model, 1e-5));
  if (!cfg.tie_local_unembed)
    head_ = register_module("head", std::make_shared<Linear>(cfg.local.d_model, cfg.vocab, *local_param_, init,
                                                             LinearOptions{false, false, ParamRole::output}));
}

Megabyte::~Megabyte() = default;

Tensor Megabyte::global_input(const Tensor& ids, int64_t k0, int64_t n) {
  const int64_t P = cfg_.patch, B = ids.size(0), W = cfg_.global.d_model;
  std::vector<Tensor> parts;
  if (k0 == 0) {
    Tensor pad;
    if (patch_embed_->pad) {
      pad = patch_embed_->pad->tensor;
    } else {  // the pad byte at positions 0..P−1 of a patch before the sequence
      Tensor pad_ids = Tensor::full({P}, static_cast<double>(cfg_.pad_id), DType::i64, ids.device());
      pad = reshape(add(patch_embed_->tok->forward(pad_ids), patch_embed_->pos->forward(Tensor::arange(P, DType::i64, ids.device()))), {W});
    }
    parts.push_back(expand(reshape(pad, {1, 1, W}), {B, 1, W}));
  }
  // Patch k's input holds the bytes of patch k−1: bytes (k_first−1)·P .. (k_last)·P − 1.
  const int64_t first = std::max<int64_t>(k0, 1), count = k0 + n - first;
  if (count > 0) {
    const int64_t b0 = (first - 1) * P, len = count * P;
    WEFT_CHECK(ids.size(1) >= b0 + len, ShapeError, "megabyte: global input of patches ", k0, "..", k0 + n - 1,
               " needs ", b0 + len, " bytes, got ", ids.size(1));
    Tensor pos_ids = narrow(Tensor::arange(b0 + len, DType::i64, ids.device()), 0, b0, len);
    Tensor e =
        add(patch_embed_->tok->forward(narrow(ids, 1, b0, len)), patch_embed_->pos->forward(contiguous(pos_ids)));
    parts.push_back(reshape(e, {B, count, W}));
  }
  Tensor gin = parts.size() == 1 ? parts[0] : concat(parts, 1);
  if (global_param_->input_mult() != 1.0) gin = mul(gin, global_param_->input_mult());
  return gin;
}

Tensor Megabyte::global_output(const Tensor& gin) {
  Tensor h = global_->forward(gin, step_, probe_);
  return global_norm_ ? apply_norm(*global_norm_, h) : h;
}

Tensor Megabyte::local_logits(const Tensor& gout, const Tensor& patch_bytes, int64_t p0, int64_t m) {
  const int64_t P = cfg_.patch, N = gout.size(0), DG = cfg_.d_g();
  WEFT_CHECK(p0 >= 0 && m >= 1 && p0 + m <= P, ShapeError, "megabyte: in-patch positions ", p0, "..", p0 + m - 1,
             " exceed the patch of ", P);
  // u_{k,p} = gout_k[p·D_G : (p+1)·D_G] · W_GL, one W_GL for every p.
  Tensor u = global_to_local_->forward(narrow(reshape(gout, {N, P, DG}), 1, p0, m));  // [N, m, D_L]
  Tensor x = u;
  if (local_) x = local_->forward(add(u, shifted_local_input(gout, patch_bytes, p0, m)), step_, probe_);
  if (local_norm_) x = apply_norm(*local_norm_, x);
  Tensor logits = head_ ? head_->forward(x) : matmul(x, transpose(local_emb_->weight().tensor, 0, 1));
  if (local_param_->output_mult() != 1.0) logits = mul(logits, local_param_->output_mult());
  return logits;
}

Tensor Megabyte::shifted_local_input(const Tensor& gout, const Tensor& patch_bytes, int64_t p0, int64_t m) {
  const int64_t N = gout.size(0), DL = cfg_.local.d_model;
  // The local input is shifted by one byte inside the patch: p = 0 gets the pad.
  std::vector<Tensor> prev;
  int64_t from = p0 - 1, count = m;
  if (p0 == 0) {
    Tensor pad = local_pad_ ? local_pad_->tensor
                            : reshape(local_emb_->forward(Tensor::full({1}, static_cast<double>(cfg_.pad_id),
                                                                       DType::i64, gout.device())),
                                      {DL});
    prev.push_back(expand(reshape(pad, {1, 1, DL}), {N, 1, DL}));
    from = 0;
    count = m - 1;
  }
  if (count > 0) prev.push_back(local_emb_->forward(narrow(patch_bytes, 1, from, count)));
  return prev.size() == 1 ? prev[0] : concat(prev, 1);
}

Tensor Megabyte::forward(const Tensor& ids) {
  WEFT_CHECK(ids.dim() == 2, ShapeError, "megabyte: input ids must be [batch, time], got ", ids.describe());
  const int64_t B = ids.size(0), T = ids.size(1), P = cfg_.patch;
  WEFT_CHECK(T >= 1 && T <= cfg_.seq_len, ShapeError, "megabyte: sequence length ", T,
             " is not in 1..seq_len = ", cfg_.seq_len);
  // Byte positions 0..T: the paper's model predicts byte s from bytes < s, so
  // the logits of ids[t]'s successor are those of position t+1 (position 0,
  // predicted from the pads alone, has no target here). The last patch is
  // padded to P bytes (byte 0): causality keeps the padding, like byte T
  // itself, away from every kept position, and its logits are dropped below.
  const int64_t K = (T + 1 + P - 1) / P;
  Tensor x = concat({ids, Tensor::zeros({B, K * P - T}, DType::i64, ids.device())}, 1);
  Tensor gout = global_output(global_input(x, 0, K));  // [B, K, P·D_G]
  Tensor logits = local_logits(reshape(gout, {B * K, P * cfg_.d_g()}), reshape(x, {B * K, P}), 0, P);
  logits = contiguous(narrow(reshape(logits, {B, K * P, cfg_.vocab}), 1, 1, T));
  if (probe_) probe_->record("logits", logits);
  return logits;
}

Tensor Megabyte::strided_forward(const Tensor& ids) {
  const int64_t T = ids.size(1), h = cfg_.patch / 2;
  Tensor first = forward(ids);
  if (h == 0 || T <= h) return first;
  // Row s of the logits is the paper's position c = s + 1: its in-patch offset
  // is c % P in the first pass and (c − h) % P in the second (row s − h).
  Tensor both = concat({first, forward(narrow(ids, 1, h, T - h))}, 1);  // [B, T + T − h, V]
  std::vector<int64_t> rows(static_cast<size_t>(T));
  for (int64_t s = 0; s < T; ++s) rows[static_cast<size_t>(s)] = (s >= h && (s + 1) % cfg_.patch >= h) ? T + s - h : s;
  return index_select(both, 1, Tensor::from_vector(rows, {T}, ids.device()));
}

Tensor Megabyte::loss(const Tensor& x, const Tensor& y) {
  return softmax_cross_entropy(forward(x), y);
}

double Megabyte::flops_per_token() const {
  int64_t n_global = global_->num_parameters();
  if (global_norm_) n_global += global_norm_->num_parameters();
  const double P = static_cast<double>(cfg_.patch);
  const double rest = static_cast<double>(num_parameters() - n_global);
  const double attn = 12.0 * static_cast<double>(global_->size() * cfg_.d_g() * cfg_.max_patches()) +
                      (local_ ? 12.0 * static_cast<double>(local_->size() * cfg_.local.d_model * cfg_.patch) : 0.0);
  return 6.0 * (rest + static_cast<double>(n_global) / P) + attn;
}

}  // namespace weft
