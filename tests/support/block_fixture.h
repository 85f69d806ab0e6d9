// Helpers for the block and model suites: a validated recipe from YAML text,
// a block built through the registry from a `block:` mapping, a parameterization
// with a chosen residual multiplier, and weight copying/scaling by name.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "weft/autograd/grad_mode.h"
#include "weft/nn/language_model.h"
#include "weft/nn/registry.h"
#include "weft/ops/ops.h"
#include "weft/train/recipe_schema.h"
#include "residual_mult.h"

namespace weft::test {

// A recipe with the given `model:` body (a flow mapping's contents) and a
// dummy data path (validation does not read data).
inline Recipe recipe_from_model(const std::string& model_body, const std::vector<std::string>& sets = {}) {
  namespace fs = std::filesystem;
  static int counter = 0;
  const fs::path file = fs::temp_directory_path() / ("weft_block_fixture_" + std::to_string(::getpid()) + "_" +
                                                     std::to_string(counter++) + ".yaml");
  struct RemoveOnExit {  // also when validation throws (the tests of bad bodies)
    fs::path p;
    ~RemoveOnExit() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } remove{file};
  {
    std::ofstream f(file);
    f << "model: {type: gpt, " << model_body << "}\ndata: {type: bytes, path: unused.txt}\n";
  }
  return load_and_validate_recipe(file, sets);
}

// ResidualMultParam (SP with a chosen residual multiplier): tests/support/residual_mult.h.

// One block built through the registry, with the generators it points to kept alive.
struct BuiltBlock {
  Recipe recipe;
  std::shared_ptr<Parameterization> param;
  Generator init_gen, dropout_gen;
  std::shared_ptr<Block> block;
};

// block_body: the `block:` mapping's contents, e.g. "type: magneto, gamma: 1".
inline std::unique_ptr<BuiltBlock> build_block(const std::string& block_body, int64_t d = 16, int64_t heads = 2,
                                               int64_t depth = 4, double residual_mult = 1.0, uint64_t seed = 11,
                                               int64_t layer = 0) {
  auto b = std::make_unique<BuiltBlock>();
  b->recipe = recipe_from_model("d_model: " + std::to_string(d) + ", n_heads: " + std::to_string(heads) +
                                ", n_layers: " + std::to_string(depth) + ", seq_len: 8, block: {" + block_body + "}");
  const ModelShape shape{d, depth, d / heads};
  b->param = std::make_shared<ResidualMultParam>(shape, residual_mult);
  b->init_gen = Generator(seed);
  b->dropout_gen = Generator(seed + 1);
  BlockContext ctx;
  ctx.param = b->param.get();
  ctx.shape = shape;
  ctx.layer_index = layer;
  ctx.n_heads = heads;
  ctx.seq_len = 8;
  ctx.init_gen = &b->init_gen;
  ctx.dropout_gen = &b->dropout_gen;
  ResolvedView v = b->recipe.view().at("model").at("block");
  b->block = LayerRegistry::get("block").at(v.get<std::string>("type")).factory(LayerArgs{v, ctx});
  return b;
}

// Copies every parameter of `from` into the parameter of `to` that `rename`
// maps its name to ("" = skip).
inline void copy_weights(
    Module& from, Module& to,
    const std::function<std::string(const std::string&)>& rename = [](const std::string& n) { return n; }) {
  NoGradGuard ng;
  for (auto& [name, p] : from.named_parameters()) {
    const std::string target = rename(name);
    if (!target.empty()) to.parameter(target).tensor.copy_(p->tensor);
  }
}

// Multiplies the parameters whose name satisfies `select` by s.
inline void scale_weights(Module& m, const std::function<bool(const std::string&)>& select, double s) {
  NoGradGuard ng;
  for (auto& [name, p] : m.named_parameters())
    if (select(name)) p->tensor.copy_(mul(p->tensor, s));
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace weft::test
