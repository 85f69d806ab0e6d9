#include "weft/nn/registry.h"

#include "weft/config/diagnostics.h"

namespace weft {

namespace {
std::map<std::string, LayerRegistry>& all() {
  static std::map<std::string, LayerRegistry> r;
  return r;
}
}  // namespace

LayerRegistry& LayerRegistry::get(const std::string& kind) {
  auto& r = all();
  auto it = r.find(kind);
  if (it == r.end()) {
    it = r.emplace(kind, LayerRegistry()).first;
    it->second.kind_ = kind;
  }
  return it->second;
}

std::vector<std::string> LayerRegistry::kinds() {
  std::vector<std::string> k;
  for (auto& [name, reg] : all()) k.push_back(name);
  return k;
}

bool LayerRegistry::add(Entry e) {
  WEFT_CHECK(!entries_.count(e.name), Error, "layer registry '", kind_, "': type '", e.name,
             "' is registered twice");
  std::string name = e.name;
  entries_.emplace(std::move(name), std::move(e));
  return true;
}

const LayerRegistry::Entry& LayerRegistry::at(const std::string& name) const {
  auto it = entries_.find(name);
  if (it != entries_.end()) return it->second;
  std::vector<std::string> names;
  std::string list;
  for (auto& [n, e] : entries_) {
    names.push_back(n);
    list += (list.empty() ? "" : ", ") + n;
  }
  throw ConfigError("unknown " + kind_ + " type '" + name + "' (known: " + list + ")" + did_you_mean(name, names));
}

TypeCatalog LayerRegistry::catalog() const {
  const LayerRegistry* self = this;
  return [self] {
    std::map<std::string, SchemaProvider> m;
    for (auto& [n, e] : self->entries_) m.emplace(n, e.schema);
    return m;
  };
}

}  // namespace weft
