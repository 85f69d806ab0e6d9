// defines: Schema and its builder, fixed_types, out_of_range, render_schema
// and the describe_* helpers (see schema.h).
#include "weft/config/schema.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "scalar_text.h"

namespace weft {

using namespace config_detail;

const char* option_type_name(OptionType t) {
  switch (t) {
    case OptionType::boolean: return "boolean";
    case OptionType::integer: return "integer";
    case OptionType::number: return "number";
    case OptionType::string: return "string";
    case OptionType::choice: return "choice";
    case OptionType::list_of_numbers: return "list of numbers";
    case OptionType::list_of_integers: return "list of integers";
    case OptionType::list_of_strings: return "list of strings";
    case OptionType::section: return "section";
    case OptionType::polymorphic: return "typed section";
    case OptionType::any_map: return "map";
  }
  return "?";
}

TypeCatalog fixed_types(std::map<std::string, Schema> types) {
  auto shared = std::make_shared<const std::map<std::string, Schema>>(std::move(types));
  return [shared] {
    std::map<std::string, SchemaProvider> out;
    for (const auto& [name, schema] : *shared) {
      out.emplace(name, [shared, name = name] { return shared->at(name); });
    }
    return out;
  };
}

std::optional<std::string> out_of_range(const OptionSpec& spec, double v, const std::string& text) {
  if (spec.min) {
    if (spec.min_exclusive && !(v > *spec.min))
      return text + " must be greater than " + format_bound(*spec.min);
    if (!spec.min_exclusive && v < *spec.min)
      return text + " is below the minimum " + format_bound(*spec.min);
  }
  if (spec.max) {
    if (spec.max_exclusive && !(v < *spec.max))
      return text + " must be less than " + format_bound(*spec.max);
    if (!spec.max_exclusive && v > *spec.max)
      return text + " is above the maximum " + format_bound(*spec.max);
  }
  return std::nullopt;
}

// ---- builder ----

OptionSpec& Schema::OptionBuilder::spec() { return schema_->options_[index_]; }

Schema::OptionBuilder& Schema::OptionBuilder::help(std::string text) {
  spec().help = std::move(text);
  return *this;
}

Schema::OptionBuilder& Schema::OptionBuilder::required() {
  OptionSpec& s = spec();
  s.required = true;
  s.has_default = false;
  s.default_value = YAML::Node();
  s.default_type.reset();
  return *this;
}

Schema::OptionBuilder& Schema::OptionBuilder::range(double lo, double hi) {
  WEFT_CHECK(lo <= hi, Error, "schema option '", spec().name, "': empty range [", lo, ", ", hi, "]");
  min(lo);
  return max(hi);
}

Schema::OptionBuilder& Schema::OptionBuilder::min(double lo, bool exclusive) {
  spec().min = lo;
  spec().min_exclusive = exclusive;
  check_default();
  return *this;
}

Schema::OptionBuilder& Schema::OptionBuilder::max(double hi, bool exclusive) {
  spec().max = hi;
  spec().max_exclusive = exclusive;
  check_default();
  return *this;
}

Schema::OptionBuilder& Schema::OptionBuilder::length(size_t n) { return length(n, n); }

Schema::OptionBuilder& Schema::OptionBuilder::length(size_t lo, size_t hi) {
  WEFT_CHECK(lo <= hi, Error, "schema option '", spec().name, "': empty length range");
  spec().min_length = lo;
  spec().max_length = hi;
  check_default();
  return *this;
}

void Schema::OptionBuilder::check_default() const {
  const OptionSpec& s = schema_->options_[index_];
  if (!s.has_default) return;
  auto fail = [&](const std::string& why) {
    throw Error(detail::concat("schema option '", s.name, "': its default ", why));
  };
  auto check_number = [&](const YAML::Node& n) {
    const auto v = parse_number(n.Scalar());
    if (!v) fail("'" + n.Scalar() + "' is not a number");
    if (auto msg = out_of_range(s, *v, n.Scalar())) fail(*msg);
  };
  switch (s.type) {
    case OptionType::integer:
    case OptionType::number:
      check_number(s.default_value);
      break;
    case OptionType::list_of_numbers:
    case OptionType::list_of_integers:
    case OptionType::list_of_strings: {
      const size_t n = s.default_value.size();
      if ((s.min_length && n < *s.min_length) || (s.max_length && n > *s.max_length))
        fail("has " + std::to_string(n) + " elements, outside the allowed length");
      if (s.type != OptionType::list_of_strings)
        for (const auto& e : s.default_value) check_number(e);
      break;
    }
    default:
      break;
  }
}

// ---- Schema ----

Schema::OptionBuilder Schema::add(OptionSpec spec) {
  WEFT_CHECK(!spec.name.empty(), Error, "schema option with an empty name");
  WEFT_CHECK(spec.name.find_first_of(".[]") == std::string::npos, Error, "schema option '",
             spec.name, "': names cannot contain '.', '[' or ']'");
  WEFT_CHECK(find(spec.name) == nullptr, Error, "schema option '", spec.name, "' declared twice");
  options_.push_back(std::move(spec));
  return OptionBuilder(this, options_.size() - 1);
}

namespace {
OptionSpec make(std::string name, OptionType type) {
  OptionSpec s;
  s.name = std::move(name);
  s.type = type;
  return s;
}
void set_default(OptionSpec& s, YAML::Node value) {
  s.has_default = true;
  s.default_value = std::move(value);
}
template <class T, class Make>
YAML::Node list_node(const std::vector<T>& values, Make make_node) {
  YAML::Node seq(YAML::NodeType::Sequence);
  for (const T& v : values) seq.push_back(make_node(v));
  return seq;
}
}  // namespace

Schema::OptionBuilder Schema::add_bool(std::string name, std::optional<bool> def) {
  OptionSpec s = make(std::move(name), OptionType::boolean);
  if (def) set_default(s, bool_node(*def));
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_int(std::string name, std::optional<int64_t> def) {
  OptionSpec s = make(std::move(name), OptionType::integer);
  if (def) set_default(s, int_node(*def));
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_number(std::string name, std::optional<double> def) {
  OptionSpec s = make(std::move(name), OptionType::number);
  if (def) {
    WEFT_CHECK(std::isfinite(*def), Error, "schema option '", s.name, "': default must be finite");
    set_default(s, number_node(*def));
  }
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_string(std::string name, std::optional<std::string> def) {
  OptionSpec s = make(std::move(name), OptionType::string);
  if (def) set_default(s, string_node(*def));
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_choice(std::string name, std::vector<std::string> choices,
                                         std::optional<std::string> def) {
  OptionSpec s = make(std::move(name), OptionType::choice);
  WEFT_CHECK(!choices.empty(), Error, "schema option '", s.name, "': no choices");
  if (def) {
    WEFT_CHECK(std::find(choices.begin(), choices.end(), *def) != choices.end(), Error,
               "schema option '", s.name, "': default '", *def, "' is not one of its choices");
    set_default(s, string_node(*def));
  }
  s.choices = std::move(choices);
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_numbers(std::string name, std::optional<std::vector<double>> def) {
  OptionSpec s = make(std::move(name), OptionType::list_of_numbers);
  if (def) set_default(s, list_node(*def, number_node));
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_ints(std::string name, std::optional<std::vector<int64_t>> def) {
  OptionSpec s = make(std::move(name), OptionType::list_of_integers);
  if (def) set_default(s, list_node(*def, int_node));
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_strings(std::string name,
                                          std::optional<std::vector<std::string>> def) {
  OptionSpec s = make(std::move(name), OptionType::list_of_strings);
  if (def) set_default(s, list_node(*def, string_node));
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_section(std::string name, Schema schema) {
  OptionSpec s = make(std::move(name), OptionType::section);
  s.section = std::make_shared<const Schema>(std::move(schema));
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_polymorphic(std::string name, TypeCatalog types,
                                              std::optional<std::string> default_type) {
  OptionSpec s = make(std::move(name), OptionType::polymorphic);
  WEFT_CHECK(static_cast<bool>(types), Error, "schema option '", s.name, "': empty type catalog");
  s.types = std::move(types);
  s.default_type = std::move(default_type);
  return add(std::move(s));
}

Schema::OptionBuilder Schema::add_any_map(std::string name) {
  return add(make(std::move(name), OptionType::any_map));
}

Schema& Schema::add_check(CheckFn check) {
  WEFT_CHECK(static_cast<bool>(check), Error, "Schema::add_check: empty function");
  checks_.push_back(std::move(check));
  return *this;
}

const OptionSpec* Schema::find(const std::string& name) const {
  for (const OptionSpec& s : options_)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> Schema::names() const {
  std::vector<std::string> out;
  for (const OptionSpec& s : options_) out.push_back(s.name);
  return out;
}

// ---- rendering ----

namespace {
std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

std::string flow_list(const YAML::Node& seq) {
  std::vector<std::string> parts;
  for (const auto& e : seq) parts.push_back(e.Scalar());
  return "[" + join(parts, ", ") + "]";
}

std::vector<std::string> type_names(const OptionSpec& spec) {
  std::vector<std::string> names;
  for (const auto& [name, provider] : spec.types()) names.push_back(name);
  return names;
}
}  // namespace

std::string describe_default(const OptionSpec& spec) {
  if (spec.type == OptionType::polymorphic) {
    if (spec.default_type) return *spec.default_type;
    return spec.required ? "required" : "-";
  }
  if (spec.type == OptionType::section) return "";
  if (spec.required) return "required";
  if (!spec.has_default) return "-";
  if (spec.default_value.IsSequence()) return flow_list(spec.default_value);
  if (spec.default_value.IsMap()) return "{}";
  const std::string& text = spec.default_value.Scalar();
  return text.empty() ? "\"\"" : text;
}

std::string describe_range(const OptionSpec& spec) {
  std::vector<std::string> parts;
  if (spec.min && spec.max) {
    parts.push_back(std::string(spec.min_exclusive ? "(" : "[") + format_bound(*spec.min) + ", " +
                    format_bound(*spec.max) + (spec.max_exclusive ? ")" : "]"));
  } else if (spec.min) {
    parts.push_back(std::string(spec.min_exclusive ? "> " : ">= ") + format_bound(*spec.min));
  } else if (spec.max) {
    parts.push_back(std::string(spec.max_exclusive ? "< " : "<= ") + format_bound(*spec.max));
  }
  if (spec.min_length || spec.max_length) {
    const size_t lo = spec.min_length.value_or(0);
    if (spec.max_length && *spec.max_length == lo) {
      parts.push_back("length " + std::to_string(lo));
    } else {
      parts.push_back("length " + std::to_string(lo) + ".." +
                      (spec.max_length ? std::to_string(*spec.max_length) : std::string()));
    }
  }
  if (spec.type == OptionType::choice) parts.push_back(join(spec.choices, " | "));
  if (spec.type == OptionType::polymorphic) parts.push_back("type: " + join(type_names(spec), " | "));
  return join(parts, ", ");
}

std::string render_schema(const Schema& schema, int indent) {
  const std::string pad(static_cast<size_t>(std::max(indent, 0)), ' ');
  struct Row {
    std::string cells[4];
    const OptionSpec* spec;
  };
  std::vector<Row> rows;
  size_t width[4] = {0, 0, 0, 0};
  for (const OptionSpec& spec : schema.options()) {
    Row row{{spec.name, option_type_name(spec.type), describe_default(spec), describe_range(spec)},
            &spec};
    for (int c = 0; c < 4; ++c) width[c] = std::max(width[c], row.cells[c].size());
    rows.push_back(std::move(row));
  }
  std::ostringstream os;
  for (const Row& row : rows) {
    std::string line = pad;
    for (int c = 0; c < 4; ++c) {
      line += row.cells[c];
      line += std::string(width[c] - row.cells[c].size() + 2, ' ');
    }
    line += row.spec->help;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    os << line << '\n';
    if (row.spec->type == OptionType::section) {
      os << render_schema(*row.spec->section, indent + 2);
    } else if (row.spec->type == OptionType::polymorphic) {
      for (const auto& [name, provider] : row.spec->types()) {
        os << pad << "  type: " << name << '\n';
        os << render_schema(provider(), indent + 4);
      }
    }
  }
  return os.str();
}

}  // namespace weft
