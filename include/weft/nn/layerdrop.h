// defines: layerdrop_runs, every_other_kept, prune_block_tensors — LayerDrop
// (Fan, Grave, Joulin 2019, "Reducing Transformer Depth on Demand with
// Structured Dropout"; the LayerDrop paper).
//
// Training: layer l runs in step s iff u(seed, s, l) > p, with u ∈ (0, 1] a
// Philox draw keyed by (seed, step, layer) — one draw per step shared by the
// whole batch (and by every micro-batch and data-parallel rank), no 1/(1−p)
// rescaling, and nothing to checkpoint: a resumed run redraws the same
// decisions. A skipped block returns x (for a post-LN/DeepNorm block that is x,
// not LN(α·x): LayerDrop acts on the whole block). Its parameters get no
// gradient that step, so AdamW skips them entirely — no moment update and no
// weight decay, as PyTorch does for parameters whose grad is None (weft's bias
// correction uses the global step count, PyTorch's a per-parameter one).
//
// Inference: "every other" pruning at rate p* keeps the layers whose 1-based
// depth d has d mod ⌊1/p*⌋ ≠ 0; a pruned checkpoint renumbers the kept
// blocks.<old>.* to blocks.<new>.* (embeddings, final norm, head unchanged).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weft/core/tensor.h"

namespace weft {

// Whether layer `layer` runs in training step `step` at drop probability p.
bool layerdrop_runs(uint64_t seed, int64_t step, int64_t layer, double p);

// The kept block indices (0-based, sorted) of every-other pruning of n blocks
// at rate in (0, 0.5]: for 16 blocks at 0.5 → 0, 2, …, 14.
std::vector<int64_t> every_other_kept(int64_t n_blocks, double rate);

// What is wrong with a kept-layer list for n blocks (it must be non-empty,
// increasing, in range), or nullopt when it is fine.
std::optional<std::string> kept_layers_problem(const std::vector<int64_t>& keep, int64_t n_blocks);

// The named tensors of a pruned checkpoint: blocks.<keep[j]>.* renamed
// blocks.<j>.*, other blocks.* dropped, everything else unchanged.
std::vector<std::pair<std::string, Tensor>> prune_block_tensors(
    const std::vector<std::pair<std::string, Tensor>>& tensors, const std::vector<int64_t>& keep);

}  // namespace weft
