// defines: ResolvedView, parse_key_path (see view.h).
#include "weft/config/view.h"

#include "scalar_text.h"
#include "weft/config/diagnostics.h"

namespace weft {

using namespace config_detail;

std::vector<KeyStep> parse_key_path(const std::string& path) {
  std::vector<KeyStep> steps;
  size_t i = 0;
  auto bad = [&](const char* why) -> Error {
    return Error(detail::concat("bad recipe key path '", path, "': ", why));
  };
  while (i < path.size()) {
    size_t j = i;
    while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
    if (j == i) throw bad("empty key");
    steps.push_back({path.substr(i, j - i), std::nullopt});
    while (j < path.size() && path[j] == '[') {
      const size_t close = path.find(']', j);
      if (close == std::string::npos) throw bad("unclosed '['");
      const auto index = parse_int(path.substr(j + 1, close - j - 1));
      if (!index || *index < 0) throw bad("list index must be a non-negative integer");
      steps.push_back({{}, static_cast<size_t>(*index)});
      j = close + 1;
    }
    if (j < path.size()) {
      if (path[j] != '.') throw bad("expected '.' after ']'");
      if (j + 1 == path.size()) throw bad("trailing '.'");
    }
    i = j + 1;
  }
  return steps;
}

ResolvedView::ResolvedView(YAML::Node root, std::string prefix)
    : root_(std::move(root)), prefix_(std::move(prefix)) {}

std::string ResolvedView::full_path(const std::string& key) const { return join_key(prefix_, key); }

ResolvedView ResolvedView::at(const std::string& key) const {
  return ResolvedView(root_, full_path(key));
}

ResolvedView ResolvedView::root() const { return ResolvedView(root_); }

YAML::Node ResolvedView::find(const std::string& key) const {
  // Walks by iteration: operator[] on a non-const yaml-cpp map inserts keys.
  YAML::Node cur = root_;
  const std::string path = full_path(key);
  if (path.empty()) return cur;
  for (const KeyStep& step : parse_key_path(path)) {
    YAML::Node next;
    bool found = false;
    if (step.index) {
      if (cur.IsSequence() && *step.index < cur.size()) {
        next = cur[*step.index];
        found = true;
      }
    } else if (cur.IsMap()) {
      for (auto it = cur.begin(); it != cur.end(); ++it) {
        if (it->first.Scalar() == step.key) {
          next = it->second;
          found = true;
          break;
        }
      }
    }
    if (!found) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);  // rebinds the handle; `cur = next` would overwrite the node cur points at
  }
  return cur;
}

bool ResolvedView::has(const std::string& key) const {
  const YAML::Node n = find(key);
  return n.IsDefined() && !n.IsNull();
}

YAML::Node ResolvedView::node(const std::string& key) const {
  const YAML::Node n = find(key);
  if (!n.IsDefined()) throw Error(detail::concat("recipe key '", full_path(key), "' is not set"));
  return YAML::Clone(n);
}

std::vector<std::string> ResolvedView::keys(const std::string& key) const {
  const YAML::Node n = find(key);
  if (!n.IsMap())
    throw Error(detail::concat("recipe key '", full_path(key), "' is not a map"));
  std::vector<std::string> out;
  for (auto it = n.begin(); it != n.end(); ++it) out.push_back(it->first.Scalar());
  return out;
}

YAML::Node ResolvedView::scalar(const std::string& key, const char* expected) const {
  const YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull())
    throw Error(detail::concat("recipe key '", full_path(key), "' is not set (reading ", expected,
                               "; is the key in the schema?)"));
  if (!n.IsScalar())
    throw Error(detail::concat("recipe key '", full_path(key), "' holds ", describe_value(n),
                               ", read as ", expected));
  return n;
}

namespace {
[[noreturn]] void mistyped(const std::string& path, const YAML::Node& n, const char* expected) {
  throw Error(detail::concat("recipe key '", path, "' holds ", describe_value(n), ", read as ",
                             expected));
}
}  // namespace

void ResolvedView::narrowing_error(const std::string& key, int64_t v, const char* type) const {
  throw Error(detail::concat("recipe key '", full_path(key), "' holds ", v,
                             ", which does not fit ", type));
}

bool ResolvedView::get_bool(const std::string& key) const {
  const YAML::Node n = scalar(key, "a boolean");
  const auto v = is_quoted(n) ? std::nullopt : parse_bool(n.Scalar());
  if (!v) mistyped(full_path(key), n, "a boolean");
  return *v;
}

int64_t ResolvedView::get_int(const std::string& key) const {
  const YAML::Node n = scalar(key, "an integer");
  const auto v = is_quoted(n) ? std::nullopt : parse_int(n.Scalar());
  if (!v) mistyped(full_path(key), n, "an integer");
  return *v;
}

double ResolvedView::get_number(const std::string& key) const {
  const YAML::Node n = scalar(key, "a number");
  const auto v = is_quoted(n) ? std::nullopt : parse_number(n.Scalar());
  if (!v) mistyped(full_path(key), n, "a number");
  return *v;
}

std::string ResolvedView::get_string(const std::string& key) const {
  return scalar(key, "a string").Scalar();
}

namespace {
template <class T, class Read>
std::vector<T> read_list(const ResolvedView& view, const std::string& key, Read read) {
  const YAML::Node n = view.node(key);
  if (!n.IsSequence()) mistyped(view.full_path(key), n, "a list");
  std::vector<T> out;
  for (size_t i = 0; i < n.size(); ++i) out.push_back(read(join_key(key, "[" + std::to_string(i) + "]")));
  return out;
}
}  // namespace

std::vector<double> ResolvedView::get_numbers(const std::string& key) const {
  return read_list<double>(*this, key, [&](const std::string& k) { return get_number(k); });
}

std::vector<int64_t> ResolvedView::get_ints(const std::string& key) const {
  return read_list<int64_t>(*this, key, [&](const std::string& k) { return get_int(k); });
}

std::vector<std::string> ResolvedView::get_strings(const std::string& key) const {
  return read_list<std::string>(*this, key, [&](const std::string& k) { return get_string(k); });
}

}  // namespace weft
