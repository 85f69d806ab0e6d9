#include "weft/nn/block_stack.h"

#include "weft/nn/layerdrop.h"
#include "weft/nn/registry.h"

namespace weft {

BlockBuilder registered_block_builder(const ResolvedView& block) {
  const LayerRegistry::Entry& entry = LayerRegistry::get("block").at(block.get<std::string>("type"));
  return [&entry, block](const BlockContext& ctx) { return entry.factory(LayerArgs{block, ctx}); };
}

BlockStack::BlockStack(const BlockStackConfig& cfg, std::shared_ptr<Parameterization> param, const BlockBuilder& build,
                       Generator& init, Generator* dropout_gen, uint64_t seed, std::string block_type)
    : cfg_(cfg), param_(std::move(param)), block_type_(std::move(block_type)), seed_(seed) {
  WEFT_CHECK(cfg.n_heads >= 1 && cfg.d_model % cfg.n_heads == 0, ShapeError, cfg.name, ": n_heads ", cfg.n_heads,
             " does not divide d_model ", cfg.d_model);
  BlockContext ctx;
  ctx.param = param_.get();
  ctx.shape = {cfg.d_model, cfg.n_layers, cfg.d_model / cfg.n_heads};
  ctx.n_heads = cfg.n_heads;
  ctx.seq_len = cfg.seq_len;
  ctx.init_gen = &init;
  ctx.dropout_gen = dropout_gen;
  ctx.stack = cfg.role;
  std::vector<int64_t> layers = cfg.keep_layers;
  if (layers.empty())
    for (int64_t i = 0; i < cfg.n_layers; ++i) layers.push_back(i);
  if (auto problem = kept_layers_problem(layers, cfg.n_layers)) throw ConfigError("model.keep_layers: " + *problem);
  for (int64_t i : layers) {
    ctx.layer_index = i;
    auto b = build(ctx);
    register_module(std::to_string(blocks_.size()), b);
    blocks_.push_back(b);
    block_layer_.push_back(i);
  }
  pruned_.assign(blocks_.size(), false);
}

Tensor BlockStack::forward(const Tensor& x, int64_t step, ActivationProbe* probe) {
  Tensor h = x;
  for (int64_t k = 0; k < size(); ++k) {
    if (block_runs(k, step)) h = blocks_[static_cast<size_t>(k)]->forward(h);
    if (probe) probe->record(cfg_.name + "." + std::to_string(k), h);
  }
  return h;
}

bool BlockStack::block_runs(int64_t k, int64_t step) const {
  if (pruned_.at(static_cast<size_t>(k))) return false;
  // LayerDrop: training only; eval runs every (unpruned) block.
  return !is_training() || layerdrop_runs(seed_, step, block_layer_[static_cast<size_t>(k)], cfg_.layerdrop);
}

void BlockStack::set_kept_blocks(const std::vector<int64_t>& keep) {
  if (!keep.empty())
    if (auto problem = kept_layers_problem(keep, size())) throw ConfigError("kept blocks: " + *problem);
  pruned_.assign(blocks_.size(), !keep.empty());
  for (int64_t k : keep) pruned_[static_cast<size_t>(k)] = false;
}

StackSummary BlockStack::summary() const {
  return {cfg_.name, block_type_, cfg_.d_model, size(), cfg_.n_heads, param_.get()};
}

}  // namespace weft
