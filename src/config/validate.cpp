// defines: validate, load_and_validate (see validate.h).
#include "weft/config/validate.h"

#include <algorithm>
#include <deque>

#include "recipe_access.h"
#include "scalar_text.h"

namespace weft {

using namespace config_detail;

namespace {

YAML::Node child(const YAML::Node& map, const std::string& key) {
  if (map.IsMap())
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string join(const std::vector<std::string>& parts) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
  return s;
}

// any_map content: kept verbatim, but with map keys sorted so that the
// resolved text (and the recipe hash) does not depend on the order written.
YAML::Node sorted_copy(const YAML::Node& n) {
  if (n.IsMap()) {
    // Sorts keys, not nodes: assigning a yaml-cpp Node rewrites the node it refers to.
    std::vector<std::string> keys;
    for (auto it = n.begin(); it != n.end(); ++it) keys.push_back(it->first.Scalar());
    std::sort(keys.begin(), keys.end());
    YAML::Node out(YAML::NodeType::Map);
    for (const std::string& k : keys) out[k] = sorted_copy(child(n, k));
    return out;
  }
  if (n.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& e : n) out.push_back(sorted_copy(e));
    return out;
  }
  return YAML::Clone(n);
}

class Validator {
 public:
  explicit Validator(const Recipe& recipe)
      : recipe_(recipe), reporter_([&recipe](const std::string& p) { return recipe.locate(p); }) {}

  YAML::Node run(const Schema& root) {
    YAML::Node out = section(root, recipe_.tree(), "", nullptr);
    reporter_.throw_if_errors();
    // Checks were queued innermost first, so a model-level check sees its
    // block already checked.
    for (const Pending& p : pending_) {
      Reporter scoped = reporter_.scoped(p.prefix);
      (*p.check)(ResolvedView(out, p.prefix), scoped);
    }
    reporter_.throw_if_errors();
    return out;
  }

 private:
  struct Pending {
    const CheckFn* check;
    std::string prefix;
  };

  SourceLoc key_loc(const std::string& path) const {
    const auto& o = recipe_.origins();
    if (auto it = o.find(path); it != o.end() && it->second.key.known()) return it->second.key;
    return recipe_.locate(path);
  }
  SourceLoc value_loc(const std::string& path) const { return recipe_.locate(path); }
  void error(const std::string& path, std::string message) {
    reporter_.error_at(value_loc(path), path, std::move(message));
  }

  // A section: unknown keys, then each declared option in order. type_value is
  // set for polymorphic sections, whose `type` key the validator owns.
  YAML::Node section(const Schema& schema, const YAML::Node& in, const std::string& path,
                     const std::string* type_value) {
    YAML::Node out(YAML::NodeType::Map);
    if (in.IsDefined() && !in.IsNull() && !in.IsMap()) {
      error(path, "expected a section (a map of keys), got " + describe_value(in));
      return out;
    }
    std::vector<std::string> names = schema.names();
    if (type_value) {
      names.erase(std::remove(names.begin(), names.end(), "type"), names.end());
      names.insert(names.begin(), "type");
      out["type"] = string_node(*type_value);
    }
    if (in.IsMap()) {
      for (auto it = in.begin(); it != in.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (std::find(names.begin(), names.end(), key) == names.end())
          reporter_.error_at(key_loc(join_key(path, key)), join_key(path, key),
                             "unknown key" + did_you_mean(key, names));
      }
    }
    for (const OptionSpec& spec : schema.options()) {
      if (type_value && spec.name == "type") continue;
      YAML::Node value = option(spec, child(in, spec.name), join_key(path, spec.name));
      if (value.IsDefined()) out[spec.name] = value;
    }
    for (const CheckFn& check : schema.checks()) pending_.push_back({&check, path});
    return out;
  }

  YAML::Node option(const OptionSpec& spec, const YAML::Node& v, const std::string& path) {
    const YAML::Node omit(YAML::NodeType::Undefined);
    switch (spec.type) {
      case OptionType::section:
        return section(*spec.section, v, path, nullptr);
      case OptionType::polymorphic:
        return polymorphic(spec, v, path);
      case OptionType::any_map:
        if (!v.IsDefined()) return spec.has_default ? YAML::Clone(spec.default_value) : omit;
        if (v.IsNull()) return YAML::Node(YAML::NodeType::Map);
        if (!v.IsMap()) {
          error(path, "expected a map, got " + describe_value(v));
          return omit;
        }
        return sorted_copy(v);
      default:
        break;
    }
    if (!v.IsDefined()) {
      if (spec.has_default) return YAML::Clone(spec.default_value);
      if (spec.required) error(path, std::string("missing required key (") + option_type_name(spec.type) + ")");
      return omit;
    }
    switch (spec.type) {
      case OptionType::list_of_numbers:
      case OptionType::list_of_integers:
      case OptionType::list_of_strings:
        return list(spec, v, path);
      default:
        return scalar(spec, spec.type, v, path);
    }
  }

  // One scalar of type t (the option's own type, or its lists' element type).
  YAML::Node scalar(const OptionSpec& spec, OptionType t, const YAML::Node& v, const std::string& path) {
    const YAML::Node omit(YAML::NodeType::Undefined);
    const bool plain = v.IsScalar() && !is_quoted(v);
    const std::string text = v.IsScalar() ? v.Scalar() : std::string();
    switch (t) {
      case OptionType::boolean:
        if (auto b = plain ? parse_bool(text) : std::nullopt) return bool_node(*b);
        error(path, "expected a boolean (true or false), got " + describe_value(v));
        return omit;
      case OptionType::integer:
        if (auto i = plain ? parse_int(text) : std::nullopt) {
          if (auto msg = out_of_range(spec, static_cast<double>(*i), text)) {
            error(path, *msg);
            return omit;
          }
          return int_node(*i);
        }
        error(path, "expected an integer, got " + describe_value(v));
        return omit;
      case OptionType::number:
        if (auto d = plain ? parse_number(text) : std::nullopt) {
          if (auto msg = out_of_range(spec, *d, text)) {
            error(path, *msg);
            return omit;
          }
          return number_node(*d);
        }
        error(path, "expected a " + std::string(plain && is_non_finite_spelling(text) ? "finite " : "") +
                        "number, got " + describe_value(v));
        return omit;
      case OptionType::string:
        if (v.IsScalar()) return string_node(text);
        error(path, "expected a string, got " + describe_value(v));
        return omit;
      case OptionType::choice:
        if (v.IsScalar() &&
            std::find(spec.choices.begin(), spec.choices.end(), text) != spec.choices.end())
          return string_node(text);
        if (v.IsScalar())
          error(path, "'" + text + "' is not one of: " + join(spec.choices) + did_you_mean(text, spec.choices));
        else
          error(path, "expected one of: " + join(spec.choices) + ", got " + describe_value(v));
        return omit;
      default:
        error(path, "internal: not a scalar option type");
        return omit;
    }
  }

  YAML::Node list(const OptionSpec& spec, const YAML::Node& v, const std::string& path) {
    const YAML::Node omit(YAML::NodeType::Undefined);
    if (!v.IsSequence()) {
      error(path, std::string("expected a ") + option_type_name(spec.type) + " like [1, 2], got " +
                      describe_value(v));
      return omit;
    }
    const size_t n = v.size();
    const size_t lo = spec.min_length.value_or(0);
    if (n < lo || (spec.max_length && n > *spec.max_length)) {
      std::string want;
      if (spec.max_length && *spec.max_length == lo)
        want = std::to_string(lo);
      else if (spec.max_length)
        want = "between " + std::to_string(lo) + " and " + std::to_string(*spec.max_length);
      else
        want = "at least " + std::to_string(lo);
      error(path, "expected " + want + " elements, got " + std::to_string(n));
      return omit;
    }
    const OptionType element = spec.type == OptionType::list_of_numbers   ? OptionType::number
                               : spec.type == OptionType::list_of_integers ? OptionType::integer
                                                                            : OptionType::string;
    YAML::Node out(YAML::NodeType::Sequence);
    bool ok = true;
    for (size_t i = 0; i < n; ++i) {
      YAML::Node e = scalar(spec, element, v[i], path + "[" + std::to_string(i) + "]");
      if (e.IsDefined()) out.push_back(e);
      else ok = false;
    }
    return ok ? out : omit;
  }

  YAML::Node polymorphic(const OptionSpec& spec, const YAML::Node& v, const std::string& path) {
    const YAML::Node omit(YAML::NodeType::Undefined);
    const std::map<std::string, SchemaProvider> types = spec.types();
    std::vector<std::string> known;
    for (const auto& [name, provider] : types) known.push_back(name);
    const std::string type_path = join_key(path, "type");

    if (v.IsDefined() && !v.IsNull() && !v.IsMap()) {
      error(path, "expected a section (a map of keys with a 'type'), got " + describe_value(v));
      return omit;
    }
    std::string type;
    const YAML::Node t = child(v, "type");
    if (t.IsDefined() && !t.IsNull()) {
      if (!t.IsScalar()) {
        error(type_path, "expected a type name (one of: " + join(known) + "), got " + describe_value(t));
        return omit;
      }
      type = t.Scalar();
    } else if (spec.default_type) {
      type = *spec.default_type;
    } else if (spec.required || (v.IsDefined() && !v.IsNull())) {
      reporter_.error_at(key_loc(path), type_path, "missing required key (one of: " + join(known) + ")");
      return omit;
    } else {
      return omit;
    }
    auto found = types.find(type);
    if (found == types.end()) {
      error(type_path, "unknown type '" + type + "'; known types: " + join(known) + did_you_mean(type, known));
      return omit;
    }
    // The provider may build its Schema on the fly; keep it alive for the checks.
    schemas_.push_back(found->second());
    return section(schemas_.back(), v, path, &type);
  }

  static bool is_non_finite_spelling(const std::string& text) {
    // Parses but is not finite ("inf", "nan"): worth a more precise message.
    return text == "inf" || text == "-inf" || text == "+inf" || text == "nan" || text == ".inf" ||
           text == "-.inf" || text == "+.inf" || text == ".nan" || text == ".Inf" || text == ".NaN";
  }

  const Recipe& recipe_;
  Reporter reporter_;
  std::vector<Pending> pending_;
  std::deque<Schema> schemas_;  // deque: stable addresses for the pending checks
};

}  // namespace

void validate(Recipe& recipe, const Schema& root) {
  Validator v(recipe);
  YAML::Node resolved = v.run(root);
  RecipeAccess::tree(recipe).reset(resolved);
  RecipeAccess::mark_resolved(recipe);
}

Recipe load_and_validate(const std::filesystem::path& file, const std::vector<std::string>& set_overrides,
                         const Schema& root, const std::filesystem::path& include_root) {
  Recipe r = load_recipe(file, set_overrides, include_root);
  validate(r, root);
  return r;
}

}  // namespace weft
