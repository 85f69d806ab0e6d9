#include "weft/nn/layerdrop.h"

#include <cmath>
#include <map>

#include "weft/core/error.h"
#include "weft/core/rng.h"

namespace weft {

namespace {
// Separates the LayerDrop stream from other users of the seed.
constexpr uint64_t kLayerDropKey = 0x4C61796572447270ull;  // "LayerDrp"
}  // namespace

bool layerdrop_runs(uint64_t seed, int64_t step, int64_t layer, double p) {
  if (p <= 0.0) return true;
  const Philox4x32 r = philox4x32(static_cast<uint64_t>(step), static_cast<uint64_t>(layer), seed ^ kLayerDropKey);
  return uint_to_unit(r.v[0]) > p;  // u ∈ (0, 1]: p = 1 drops every layer
}

std::vector<int64_t> every_other_kept(int64_t n, double rate) {
  WEFT_CHECK(rate > 0.0 && rate <= 0.5, ConfigError, "every_other pruning needs a rate in (0, 0.5], got ", rate,
             " (it drops every ⌊1/rate⌋-th layer; list the layers in eval.layers_to_keep for more)");
  const int64_t k = static_cast<int64_t>(std::floor(1.0 / rate));
  std::vector<int64_t> keep;
  for (int64_t i = 0; i < n; ++i)
    if ((i + 1) % k != 0) keep.push_back(i);
  return keep;
}

std::optional<std::string> kept_layers_problem(const std::vector<int64_t>& keep, int64_t n) {
  if (keep.empty()) return "keeps no layer";
  for (size_t j = 0; j < keep.size(); ++j) {
    if (keep[j] < 0 || keep[j] >= n)
      return "layer " + std::to_string(keep[j]) + " does not exist (there are " + std::to_string(n) +
             " blocks, numbered from 0)";
    if (j > 0 && keep[j] <= keep[j - 1]) return "layers must be listed in increasing order, each once";
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, Tensor>> prune_block_tensors(
    const std::vector<std::pair<std::string, Tensor>>& tensors, const std::vector<int64_t>& keep) {
  std::map<int64_t, int64_t> new_index;
  for (size_t j = 0; j < keep.size(); ++j) new_index[keep[j]] = static_cast<int64_t>(j);
  std::vector<std::pair<std::string, Tensor>> out;
  const std::string prefix = "blocks.";
  for (const auto& [name, t] : tensors) {
    if (name.rfind(prefix, 0) != 0) {
      out.emplace_back(name, t);
      continue;
    }
    const size_t dot = name.find('.', prefix.size());
    WEFT_CHECK(dot != std::string::npos, ValueError, "prune_block_tensors: unexpected tensor name '", name, "'");
    const int64_t i = std::stoll(name.substr(prefix.size(), dot - prefix.size()));
    auto it = new_index.find(i);
    if (it != new_index.end()) out.emplace_back(prefix + std::to_string(it->second) + name.substr(dot), t);
  }
  return out;
}

}  // namespace weft
