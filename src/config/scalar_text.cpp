// defines: the strict scalar grammar and canonical spellings (see scalar_text.h).
#include "scalar_text.h"

#include <charconv>
#include <cmath>

namespace weft::config_detail {

std::optional<bool> parse_bool(const std::string& t) {
  if (t == "true" || t == "True" || t == "TRUE") return true;
  if (t == "false" || t == "False" || t == "FALSE") return false;
  return std::nullopt;
}

std::optional<int64_t> parse_int(const std::string& text) {
  std::string t;
  size_t i = 0;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    if (text[0] == '-') t += '-';
    i = 1;
  }
  if (i >= text.size()) return std::nullopt;
  bool prev_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      t += c;
      prev_digit = true;
    } else if (c == '_' && prev_digit && i + 1 < text.size() && text[i + 1] >= '0' &&
               text[i + 1] <= '9') {
      prev_digit = false;
    } else {
      return std::nullopt;
    }
  }
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  // from_chars takes no leading '+', and would accept "inf"/"nan" spellings,
  // which the finiteness check below rejects.
  const char* b = text.data();
  const char* e = b + text.size();
  if (*b == '+') {
    ++b;
    if (b == e || *b == '+' || *b == '-') return std::nullopt;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(b, e, v, std::chars_format::general);
  if (ec != std::errc() || end != e || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string format_number(double d) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, ec == std::errc() ? end : buf);
  const size_t e = s.find_first_of("eE");
  const std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) {
    if (e == std::string::npos) return s + ".0";
    return mantissa + ".0" + s.substr(e);
  }
  return s;
}

std::string format_bound(double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18)
    return std::to_string(static_cast<int64_t>(d));
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ec == std::errc() ? end : buf);
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [0-9][0-9_]* starting at i; returns the end, or i when there is no digit.
size_t digits(const std::string& t, size_t i, bool first_must_be_digit) {
  if (i >= t.size() || (first_must_be_digit && !is_digit(t[i]))) return i;
  size_t j = i;
  while (j < t.size() && (is_digit(t[j]) || t[j] == '_')) ++j;
  return j;
}

// YAML 1.1 and 1.2 numbers: 12, -1_000, 1.5, .5, 1., 3e-4, 1.0e+5, 1:30 (sexagesimal).
bool looks_numeric(const std::string& t) {
  size_t i = (!t.empty() && (t[0] == '+' || t[0] == '-')) ? 1 : 0;
  bool mantissa = false;
  size_t j = digits(t, i, true);
  if (j > i) {
    mantissa = true;
    while (j < t.size() && t[j] == ':') {  // sexagesimal groups
      const size_t k = digits(t, j + 1, true);
      if (k == j + 1) return false;
      j = k;
    }
  }
  i = j;
  if (i < t.size() && t[i] == '.') {
    j = digits(t, i + 1, false);
    if (j > i + 1 && is_digit(t[i + 1])) mantissa = true;
    i = j;
  }
  if (!mantissa) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    j = i;
    while (j < t.size() && is_digit(t[j])) ++j;
    if (j == i) return false;
    i = j;
  }
  return i == t.size();
}

bool all_of_set(const std::string& t, size_t from, const char* set) {
  if (from >= t.size()) return false;
  return t.find_first_not_of(set, from) == std::string::npos;
}
}  // namespace

bool plain_is_string(const std::string& t) {
  // YAML 1.1 (PyYAML) and 1.2 (yaml-cpp) resolve plain scalars differently;
  // anything either would treat as non-string counts as ambiguous.
  static const char* const words[] = {
      "",     "~",     "null", "Null", "NULL", "y",     "Y",     "yes",   "Yes",  "YES",  "n",
      "N",    "no",    "No",   "NO",   "true", "True",  "TRUE",  "false", "False", "FALSE", "on",
      "On",   "ON",    "off",  "Off",  "OFF",  ".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF",
      "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"};
  for (const char* w : words)
    if (t == w) return false;
  if (looks_numeric(t)) return false;
  if (t.rfind("0x", 0) == 0 && all_of_set(t, 2, "0123456789abcdefABCDEF_")) return false;
  if (t.rfind("0o", 0) == 0 && all_of_set(t, 2, "01234567")) return false;
  return true;
}

YAML::Node bool_node(bool v) { return YAML::Node(v ? "true" : "false"); }

YAML::Node int_node(int64_t v) { return YAML::Node(std::to_string(v)); }

YAML::Node number_node(double v) { return YAML::Node(format_number(v)); }

YAML::Node string_node(const std::string& v) {
  YAML::Node n(v);
  n.SetTag("!");
  return n;
}

std::string describe_value(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return is_quoted(n) ? "the string '" + n.Scalar() + "'" : "'" + n.Scalar() + "'";
    default:
      return "an empty value";
  }
}

}  // namespace weft::config_detail
