#include "weft/data/batch.h"

#include "weft/core/error.h"

namespace weft {

const Tensor& Batch::at(const std::string& name) const {
  auto it = tensors.find(name);
  if (it != tensors.end()) return it->second;
  std::string have;
  for (auto& [n, t] : tensors) have += (have.empty() ? "" : ", ") + n;
  throw ValueError("batch has no tensor '" + name + "' (it holds: " + (have.empty() ? "nothing" : have) + ")");
}

Batch Batch::to(Device device) const {
  Batch b;
  b.units = units;
  for (const auto& [name, t] : tensors) b.tensors[name] = t.to(device);
  return b;
}

Batch text_batch(Tensor ids, Tensor targets) {
  Batch b;
  b.units = targets.numel();
  b.set("ids", std::move(ids));
  b.set("targets", std::move(targets));
  return b;
}

}  // namespace weft
