// defines: test::example_schema(), a realistic recipe schema modelled on the
// recipe in the README's architecture map (model/param/optim/schedule/data/train), used by
// the config tests. The real schemas live with the layers that own them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "weft/config/schema.h"

namespace weft::test {

inline Schema pre_ln_block() {
  Schema s;
  s.add_int("ffn_mult", 4).range(1, 64).help("hidden width of the MLP, in multiples of d_model");
  s.add_number("dropout", 0.0).min(0).max(1, true).help("dropout probability");
  return s;
}

inline Schema magneto_block() {
  Schema s = pre_ln_block();
  s.add_number("sub_ln_eps", 1e-5).min(0, true).help("epsilon of the extra Sub-LN norms");
  return s;
}

inline Schema gpt_model(TypeCatalog blocks) {
  Schema s;
  s.add_int("vocab", 256).range(2, 1 << 20).help("vocabulary size");
  s.add_int("d_model", 256).range(1, 65536).help("width of the residual stream");
  s.add_int("n_layers", 6).range(1, 1024).help("number of blocks");
  s.add_int("n_heads", 8).range(1, 1024).help("attention heads per block");
  s.add_int("seq_len", 256).range(1, 1 << 20).help("context length in tokens");
  s.add_bool("tie_embeddings", true).help("share the input and output embeddings");
  s.add_polymorphic("block", std::move(blocks), "pre_ln").help("residual block");
  s.add_check([](const ResolvedView& v, Reporter& r) {
    const int64_t d = v.get<int64_t>("d_model"), h = v.get<int64_t>("n_heads");
    if (d % h != 0)
      r.error("n_heads", std::to_string(h) + " heads do not divide d_model " + std::to_string(d));
  });
  return s;
}

inline Schema megabyte_model() {
  Schema s;
  s.add_int("patch_size", 8).range(1, 64).help("bytes per patch");
  s.add_ints("d_model", std::vector<int64_t>{256, 128}).length(2).min(1).help("global, local widths");
  return s;
}

// The block types come from a live map, as a layer registry would provide them:
// types registered after the schema was built are still seen.
inline std::shared_ptr<std::map<std::string, Schema>> block_registry() {
  static auto registry = std::make_shared<std::map<std::string, Schema>>(
      std::map<std::string, Schema>{{"pre_ln", pre_ln_block()}, {"magneto", magneto_block()},
                                    {"macaron", pre_ln_block()}});
  return registry;
}

inline TypeCatalog block_catalog() {
  auto registry = block_registry();
  return [registry] {
    std::map<std::string, SchemaProvider> out;
    for (const auto& [name, schema] : *registry) out.emplace(name, [schema = schema] { return schema; });
    return out;
  };
}

inline Schema example_schema() {
  Schema adamw;
  adamw.add_number("lr", 1e-3).min(0, true).help("peak learning rate");
  adamw.add_numbers("betas", std::vector<double>{0.9, 0.95}).length(2).min(0).max(1, true);
  adamw.add_number("weight_decay", 0.0).min(0);
  adamw.add_number("clip", 1.0).min(0).help("global-norm clip; 0 disables");
  Schema sgd;
  sgd.add_number("lr").required().min(0, true);
  sgd.add_number("momentum", 0.9).range(0, 1);

  Schema completep;
  completep.add_int("base_width", 256).min(1);
  completep.add_int("base_depth", 2).min(1);
  completep.add_number("alpha", 1.0).range(0.5, 1);

  Schema cosine;
  cosine.add_int("warmup", 0).min(0).help("linear warmup steps");
  cosine.add_number("min_lr_ratio", 0.1).range(0, 1);

  Schema bytes;
  bytes.add_string("path").required().help("corpus file or folder");
  bytes.add_number("val_fraction", 0.05).min(0, true).max(1, true);

  Schema train;
  train.add_int("steps").required().min(1);
  train.add_int("batch", 16).min(1);
  train.add_int("grad_accum", 1).min(1);
  train.add_int("log_every", 10).min(1);
  train.add_int("eval_every", 200).min(1);
  train.add_int("ckpt_every", 500).min(1);
  train.add_int("keep", 3).min(0);
  train.add_bool("deterministic", true);
  train.add_strings("tags", std::vector<std::string>{});

  Schema root;
  root.add_int("seed", 1).min(0).help("seed of every random stream");
  root.add_choice("device", {"cpu", "cuda"}, "cpu");
  root.add_string("name").help("run name; defaults to the recipe file name");
  root.add_polymorphic("model", fixed_types({{"gpt", gpt_model(block_catalog())}, {"megabyte", megabyte_model()}}))
      .required()
      .help("the network");
  root.add_polymorphic("param", fixed_types({{"sp", Schema()}, {"completep", completep}}), "sp");
  root.add_polymorphic("optim", fixed_types({{"adamw", adamw}, {"sgd", sgd}}), "adamw");
  root.add_polymorphic("schedule", fixed_types({{"constant", Schema()}, {"cosine", cosine}}), "constant");
  root.add_polymorphic("data", fixed_types({{"bytes", bytes}})).required();
  root.add_section("train", train);
  root.add_any_map("env").help("free-form environment settings");
  root.add_check([](const ResolvedView& v, Reporter& r) {
    if (v.get<std::string>("schedule.type") == "cosine" &&
        v.get<int64_t>("schedule.warmup") > v.get<int64_t>("train.steps"))
      r.error("schedule.warmup", "warmup longer than train.steps");
  });
  return root;
}

}  // namespace weft::test
