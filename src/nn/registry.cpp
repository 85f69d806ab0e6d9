#include "weft/nn/registry.h"

#include <memory>

namespace weft {

namespace {
std::map<std::string, std::unique_ptr<LayerRegistry>>& all() {
  static std::map<std::string, std::unique_ptr<LayerRegistry>> r;
  return r;
}
}  // namespace

LayerRegistry& LayerRegistry::get(const std::string& kind) {
  auto& r = all();
  auto it = r.find(kind);
  if (it == r.end()) it = r.emplace(kind, std::unique_ptr<LayerRegistry>(new LayerRegistry(kind))).first;
  return *it->second;
}

std::vector<std::string> LayerRegistry::kinds() {
  std::vector<std::string> k;
  for (auto& [name, reg] : all()) k.push_back(name);
  return k;
}

}  // namespace weft
