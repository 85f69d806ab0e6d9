// defines: ResolvedView (typed, read-only access to a recipe tree by key path)
// and KeyStep/parse_key_path (the "a.b[1].c" path syntax).
//
// Consumers read a validated recipe through typed getters instead of touching
// yaml-cpp nodes, so the scalar grammar lives in one place. After validation
// every key has a value of its declared type; reading an absent or mistyped
// key is therefore a programming error (a key missing from the schema, or a
// getter of the wrong type) and throws weft::Error naming the full path — not
// ConfigError, which is reserved for mistakes in the user's recipe.
//
// A view is rooted at a section (its prefix): cross-field checks declared on
// the "model" schema read get<int64_t>("n_heads") without knowing where the
// section is mounted, and root() reaches the rest of the recipe.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "weft/core/error.h"

namespace weft {

struct KeyStep {
  std::string key;              // map key, when index is empty
  std::optional<size_t> index;  // list position
};
// "model.block.type" -> 3 keys; "optim.betas[1]" -> key, index. Throws weft::Error on bad syntax.
std::vector<KeyStep> parse_key_path(const std::string& path);

class ResolvedView {
 public:
  ResolvedView() = default;
  explicit ResolvedView(YAML::Node root, std::string prefix = {});

  const std::string& prefix() const { return prefix_; }
  std::string full_path(const std::string& key) const;
  ResolvedView at(const std::string& key) const;  // a sub-section
  ResolvedView root() const;                      // the whole recipe

  bool has(const std::string& key) const;  // present and not null
  YAML::Node node(const std::string& key) const;  // a deep copy; "" = this section
  std::vector<std::string> keys(const std::string& key = {}) const;  // a map's keys, in order

  // T: bool, any other integral type (range-checked), float/double,
  // std::string, std::vector<double>, std::vector<int64_t>, std::vector<std::string>.
  template <class T>
  T get(const std::string& key) const;
  // Like get, but fallback when the key is absent (a mistyped value still throws).
  template <class T>
  T get_or(const std::string& key, T fallback) const {
    return has(key) ? get<T>(key) : fallback;
  }

 private:
  YAML::Node find(const std::string& key) const;  // undefined when absent
  YAML::Node scalar(const std::string& key, const char* expected) const;
  bool get_bool(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_number(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::vector<double> get_numbers(const std::string& key) const;
  std::vector<int64_t> get_ints(const std::string& key) const;
  std::vector<std::string> get_strings(const std::string& key) const;
  [[noreturn]] void narrowing_error(const std::string& key, int64_t v, const char* type) const;

  YAML::Node root_;
  std::string prefix_;
};

template <class T>
T ResolvedView::get(const std::string& key) const {
  if constexpr (std::is_same_v<T, bool>) {
    return get_bool(key);
  } else if constexpr (std::is_integral_v<T>) {
    const int64_t v = get_int(key);
    if constexpr (std::is_unsigned_v<T>) {
      if (v < 0 || static_cast<uint64_t>(v) > std::numeric_limits<T>::max())
        narrowing_error(key, v, "an unsigned integer type");
    } else {
      if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          v > static_cast<int64_t>(std::numeric_limits<T>::max()))
        narrowing_error(key, v, "a narrower integer type");
    }
    return static_cast<T>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(get_number(key));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return get_string(key);
  } else if constexpr (std::is_same_v<T, std::vector<double>>) {
    return get_numbers(key);
  } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
    return get_ints(key);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return get_strings(key);
  } else {
    static_assert(!sizeof(T), "ResolvedView::get: unsupported type");
  }
}

}  // namespace weft
