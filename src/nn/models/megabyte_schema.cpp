// `model: {type: megabyte, ...}`: the recipe keys, their checks (recipe errors
// naming the key), and the factory that builds each stack with its own
// parameterization (its own width, depth and head width).
#include <string>

#include "weft/config/diagnostics.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/models/megabyte.h"
#include "weft/nn/registry.h"
#include "weft/param/registry.h"

namespace weft {

namespace {

Schema stack_schema(int64_t d_model, int64_t n_layers, int64_t n_heads, const std::string& what) {
  Schema s;
  s.add_int("d_model", d_model).range(1, 1 << 20).help(what);
  s.add_int("n_layers", n_layers).range(1, 4096).help("number of blocks");
  s.add_int("n_heads", n_heads).range(1, 4096).help("attention heads (must divide d_model)");
  s.add_polymorphic("block", LayerRegistry::get("block").catalog(), "pre_ln").help("residual block type");
  return s;
}

std::string str(int64_t v) {
  return std::to_string(v);
}

void check_stack(const ResolvedView& s, const std::string& key, Reporter& r) {
  const int64_t d = s.get<int64_t>("d_model"), h = s.get<int64_t>("n_heads");
  if (d % h != 0) r.error(key + ".n_heads", str(h) + " heads do not divide " + key + ".d_model " + str(d));
  ResolvedView block = s.at("block");
  if (block.has("attn")) {
    const std::string t = block.at("attn").get<std::string>("type");
    if (AttentionRegistry::instance().is_bidirectional(t))
      r.error(key + ".block.attn.type", "'" + t + "' is bidirectional: MEGABYTE's " + key +
                                            " decoder must be causal (use softmax or cat_causal)");
  }
}

MegabyteStackConfig stack_config(const ResolvedView& s) {
  MegabyteStackConfig c;
  c.d_model = s.get<int64_t>("d_model");
  c.n_layers = s.get<int64_t>("n_layers");
  c.n_heads = s.get<int64_t>("n_heads");
  c.layerdrop = s.at("block").get_or<double>("layerdrop", 0.0);  // a user's block may lack the option
  return c;
}

}  // namespace

Schema Megabyte::schema() {
  Schema s;
  s.add_int("vocab").min(1).max(1 << 24).help("vocabulary size (default: from the data: 256 for bytes)");
  s.add_int("patch", 4).range(1, 1 << 16).help("P: bytes per patch (divides global.d_model; at most seq_len)");
  s.add_int("seq_len", 1024).range(1, 1 << 24).help("context in bytes (any length: a last partial patch is padded)");
  s.add_section("global", stack_schema(256, 2, 4, "global width P·D_G (D_G: each byte's slice of a patch)"))
      .help("the global decoder over patches");
  s.add_section("local", stack_schema(128, 2, 4, "local width D_L")).help("the local decoder inside each patch");
  s.add_int("pad_id", -1)
      .range(-1, 1 << 24)
      .help(
          "-1: trainable global and local pad embeddings; a byte id: the pads are that byte's embeddings (the paper's "
          "pseudocode; the data must reserve the byte)");
  s.add_bool("tie_local_unembed", true).help("the output matrix is the local byte embedding E_L (the paper's text)");
  s.add_bool("local_model", true)
      .help(
          "false: the paper's ablation without the local decoder: each byte from its slice of the global output "
          "alone (W_GL, a norm, the unembedding); local.d_model still sets D_L");
  s.add_check([](const ResolvedView& v, Reporter& r) {
    const int64_t P = v.get<int64_t>("patch"), T = v.get<int64_t>("seq_len");
    const int64_t dg = v.at("global").get<int64_t>("d_model");
    if (P > T) r.error("patch", "patch " + str(P) + " exceeds seq_len " + str(T) + " (a context holds no patch)");
    if (dg % P != 0)
      r.error("global.d_model", str(dg) + " is not patch × D_G: patch " + str(P) +
                                    " does not divide it (each byte of a patch owns d_model / patch channels)");
    check_stack(v.at("global"), "global", r);
    check_stack(v.at("local"), "local", r);
    if (v.has("vocab") && v.get<int64_t>("pad_id") >= v.get<int64_t>("vocab"))
      r.error("pad_id",
              str(v.get<int64_t>("pad_id")) + " is not a byte of the vocabulary of " + str(v.get<int64_t>("vocab")));
  });
  return s;
}

std::shared_ptr<Model> Megabyte::create(const ModelArgs& a) {
  MegabyteConfig c;
  const int64_t data_vocab = data_int(a.data, "vocab_size", "megabyte");
  c.vocab = a.model.has("vocab") ? a.model.get<int64_t>("vocab") : data_vocab;
  if (c.vocab != data_vocab)
    throw ConfigError("model.vocab is " + str(c.vocab) + " but the data has " + str(data_vocab) +
                      " symbols (leave model.vocab out to take it from the data)");
  c.patch = a.model.get<int64_t>("patch");
  c.seq_len = a.model.get<int64_t>("seq_len");
  c.global = stack_config(a.model.at("global"));
  c.local = stack_config(a.model.at("local"));
  c.pad_id = a.model.get<int64_t>("pad_id");
  if (c.pad_id >= c.vocab)
    throw ConfigError("model.pad_id " + str(c.pad_id) + " is not a symbol of the data's " + str(c.vocab));
  c.tie_local_unembed = a.model.get<bool>("tie_local_unembed");
  c.local_model = a.model.get<bool>("local_model");
  auto gp = build_parameterization(a.param, {c.global.d_model, c.global.n_layers, c.global.d_model / c.global.n_heads});
  auto lp = build_parameterization(a.param, {c.local.d_model, c.local.n_layers, c.local.d_model / c.local.n_heads});
  ResolvedView gb = a.model.at("global").at("block"), lb = a.model.at("local").at("block");
  return std::make_shared<Megabyte>(c, gp, lp, registered_block_builder(gb), registered_block_builder(lb), a.seed,
                                    gb.get<std::string>("type"), lb.get<std::string>("type"));
}

WEFT_REGISTER_MODEL("megabyte", Megabyte,
                    "MEGABYTE byte LM: a global decoder over patches of P bytes, a local decoder inside each patch");

}  // namespace weft
