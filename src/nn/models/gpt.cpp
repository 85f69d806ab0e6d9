#include "weft/nn/models/gpt.h"

#include <numeric>

#include "weft/config/diagnostics.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/layerdrop.h"
#include "weft/param/registry.h"
#include "weft/nn/registry.h"
#include "weft/ops/ops.h"

namespace weft {

GPT::GPT(const GPTConfig& cfg, std::shared_ptr<Parameterization> param, const BlockBuilder& build_block,
         uint64_t init_seed, std::string block_type)
    : cfg_(cfg), param_(std::move(param)), dropout_gen_(init_seed ^ 0x9E3779B97F4A7C15ull) {
  WEFT_CHECK(cfg.n_heads >= 1 && cfg.d_model % cfg.n_heads == 0, ShapeError, "gpt: n_heads ", cfg.n_heads,
             " does not divide d_model ", cfg.d_model);
  Generator init(init_seed);
  tok_ = register_module("tok_emb", std::make_shared<Embedding>(cfg.vocab, cfg.d_model, *param_, init));
  pos_ = register_module("pos_emb", std::make_shared<Embedding>(cfg.seq_len, cfg.d_model, *param_, init));
  BlockStackConfig sc;
  sc.d_model = cfg.d_model;
  sc.n_layers = cfg.n_layers;
  sc.n_heads = cfg.n_heads;
  sc.seq_len = cfg.seq_len;
  sc.layerdrop = cfg.layerdrop;
  sc.keep_layers = cfg.keep_layers;
  blocks_ = register_module("blocks", std::make_shared<BlockStack>(sc, param_, build_block, init, &dropout_gen_,
                                                                   init_seed, std::move(block_type)));
  // A post-norm stack ends normalised: no final norm (the DeepNet paper).
  if (!blocks_->output_normalized())
    ln_f_ = register_module("ln_f", make_norm(cfg.final_norm, cfg.d_model, 1e-5));
  if (!cfg.tie_embeddings)
    head_ = register_module("head", std::make_shared<Linear>(cfg.d_model, cfg.vocab, *param_, init,
                                                             LinearOptions{false, false, ParamRole::output}));
}

Tensor GPT::forward(const Tensor& ids) { return forward_positions(ids, 0); }

Tensor GPT::forward_positions(const Tensor& ids, int64_t pos0) {
  WEFT_CHECK(ids.dim() == 2, ShapeError, "gpt: input ids must be [batch, time], got ", ids.describe());
  const int64_t T = ids.size(1);
  WEFT_CHECK(T >= 1 && T <= cfg_.seq_len, ShapeError, "gpt: sequence length ", T, " exceeds the model's seq_len ",
             cfg_.seq_len);
  WEFT_CHECK(pos0 >= 0 && pos0 + T <= cfg_.seq_len, ShapeError, "gpt: positions ", pos0, "..", pos0 + T - 1,
             " exceed the model's seq_len ", cfg_.seq_len);
  Tensor pos_ids = Tensor::arange(T, DType::i64, ids.device());
  if (pos0 != 0) {
    std::vector<int64_t> p(static_cast<size_t>(T));
    std::iota(p.begin(), p.end(), pos0);
    pos_ids = Tensor::from_vector(p, {T}, ids.device());
  }
  Tensor x = add(tok_->forward(ids), pos_->forward(pos_ids));
  if (param_->input_mult() != 1.0) x = mul(x, param_->input_mult());
  x = dropout(x, cfg_.embed_dropout, is_training(), &dropout_gen_);
  if (probe_) probe_->record("embed", x);
  x = blocks_->forward(x, step_, probe_);
  if (ln_f_) x = apply_norm(*ln_f_, x);
  Tensor logits = head_ ? head_->forward(x) : matmul(x, transpose(tok_->weight().tensor, 0, 1));
  if (param_->output_mult() != 1.0) logits = mul(logits, param_->output_mult());
  if (probe_) probe_->record("logits", logits);
  return logits;
}

Tensor GPT::loss(const Tensor& x, const Tensor& y) { return softmax_cross_entropy(forward(x), y); }

double GPT::flops_per_token() const {
  return 6.0 * static_cast<double>(num_parameters()) +
         12.0 * static_cast<double>(num_blocks() * cfg_.d_model * cfg_.seq_len);
}

}  // namespace weft

namespace weft {

Schema GPT::schema() {
  Schema s;
  s.add_int("vocab").min(1).max(1 << 24).help("vocabulary size (default: from the data: 256 for bytes)");
  s.add_int("d_model", 256).range(1, 65536).help("width of the residual stream");
  s.add_int("n_layers", 6).range(1, 4096).help("number of blocks");
  s.add_int("n_heads", 8).range(1, 4096).help("attention heads (must divide d_model)");
  s.add_int("seq_len", 256).range(1, 1 << 20).help("context length (learned positions)");
  s.add_bool("tie_embeddings", true).help("output head shares the token embedding");
  s.add_number("embed_dropout", 0.0).range(0.0, 0.95).help("dropout on the embedding output");
  s.add_choice("final_norm", {"layernorm", "rmsnorm"}, "layernorm").help("norm before the output head");
  s.add_polymorphic("block", LayerRegistry::get("block").catalog(), "pre_ln").help("residual block type");
  s.add_ints("keep_layers")
      .help("a pruned model (weft eval --write-pruned): the original indices of its blocks; constants follow n_layers");
  s.add_check([](const ResolvedView& v, Reporter& r) {
    const int64_t d = v.get<int64_t>("d_model"), h = v.get<int64_t>("n_heads");
    if (d % h != 0)
      r.error("n_heads", std::to_string(h) + " heads do not divide d_model " + std::to_string(d) +
                             " (each head needs d_model / n_heads channels)");
    if (v.has("keep_layers")) {
      auto problem = kept_layers_problem(v.get<std::vector<int64_t>>("keep_layers"), v.get<int64_t>("n_layers"));
      if (problem) r.error("keep_layers", *problem);
    }
    // gpt predicts the next token: an attention that mixes in later tokens would
    // let it read the answer.
    ResolvedView block = v.at("block");
    if (block.has("attn")) {
      const std::string t = block.at("attn").get<std::string>("type");
      if (AttentionRegistry::instance().is_bidirectional(t))
        r.error("block.attn.type", "'" + t + "' is bidirectional: each position would see future tokens, which a "
                                   "causal language model (gpt) must not; use a causal type such as cat_causal "
                                   "or softmax");
    }
  });
  return s;
}

std::shared_ptr<Model> GPT::create(const ModelArgs& a) {
  GPTConfig c;
  const int64_t data_vocab = data_int(a.data, "vocab_size", "gpt");
  c.vocab = a.model.has("vocab") ? a.model.get<int64_t>("vocab") : data_vocab;
  if (c.vocab != data_vocab)
    throw ConfigError("model.vocab is " + std::to_string(c.vocab) + " but the data has " + std::to_string(data_vocab) +
                      " symbols (leave model.vocab out to take it from the data)");
  c.d_model = a.model.get<int64_t>("d_model");
  c.n_layers = a.model.get<int64_t>("n_layers");
  c.n_heads = a.model.get<int64_t>("n_heads");
  c.seq_len = a.model.get<int64_t>("seq_len");
  c.tie_embeddings = a.model.get<bool>("tie_embeddings");
  c.embed_dropout = a.model.get<double>("embed_dropout");
  c.final_norm = a.model.get<std::string>("final_norm");
  c.layerdrop = a.model.at("block").get_or<double>("layerdrop", 0.0);  // a user's block may lack the option
  c.keep_layers = a.model.get_or<std::vector<int64_t>>("keep_layers", {});
  auto param = build_parameterization(a.param, {c.d_model, c.n_layers, c.d_model / c.n_heads});
  ResolvedView block = a.model.at("block");
  return std::make_shared<GPT>(c, param, registered_block_builder(block), a.seed, block.get<std::string>("type"));
}

WEFT_REGISTER_MODEL("gpt", GPT, "decoder-only LM: token + learned position embeddings, blocks, final norm, head");

}  // namespace weft
