// defines: TypeRegistry<Factory> — the one implementation behind every registry
// that maps a recipe's `type:` string to a factory plus its option schema
// (layers: nn/registry.h; models: nn/model.h; data: data/dataset.h; ...).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "weft/config/diagnostics.h"
#include "weft/config/schema.h"

namespace weft {

template <typename Factory>
class TypeRegistry {
 public:
  struct Entry {
    std::string name;
    std::string help;
    SchemaProvider schema;
    Factory factory;
  };

  explicit TypeRegistry(std::string what = "type") : what_(std::move(what)) {}

  // A duplicate name is a programming error (two registrations of one type).
  bool add(Entry e) {
    WEFT_CHECK(!entries_.count(e.name), Error, what_, " '", e.name, "' is registered twice");
    std::string name = e.name;
    entries_.emplace(std::move(name), std::move(e));
    return true;
  }
  // ConfigError listing the known names (and the nearest one) otherwise.
  const Entry& at(const std::string& name) const {
    auto it = entries_.find(name);
    if (it != entries_.end()) return it->second;
    std::vector<std::string> names;
    std::string list;
    for (auto& [n, e] : entries_) {
      names.push_back(n);
      list += (list.empty() ? "" : ", ") + n;
    }
    throw ConfigError("unknown " + what_ + " '" + name + "' (known: " + list + ")" + did_you_mean(name, names));
  }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  // The known types as a config TypeCatalog, read at validation time so types
  // registered later still count.
  TypeCatalog catalog() const {
    const TypeRegistry* self = this;
    return [self] {
      std::map<std::string, SchemaProvider> m;
      for (auto& [n, e] : self->entries_) m.emplace(n, e.schema);
      return m;
    };
  }
  const std::map<std::string, Entry>& entries() const { return entries_; }

 private:
  std::string what_;
  std::map<std::string, Entry> entries_;
};

}  // namespace weft
