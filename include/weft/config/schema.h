// defines: OptionType, OptionSpec, Schema (+ its fluent OptionBuilder),
// TypeCatalog, CheckFn, render_schema and the describe_* helpers.
//
// A Schema is the single description of what a recipe section may contain:
// each option's name, type, default, range and help. The validator enforces
// it, fills the defaults from it, and `weft layers` / docs print it — so the
// three can never disagree.
//
// Polymorphic sections (`model.type: gpt`, `block.type: magneto`) hold a
// TypeCatalog instead of a fixed schema: a function, called at validation time,
// that lists the known type names and how to get each one's Schema. A layer
// registry can therefore add types after the recipe schema was built. The key
// `type` is reserved in such sections: the validator adds and checks it.
//
//   Schema model;
//   model.add_int("n_layers", 6).range(1, 1024).help("number of blocks");
//   model.add_choice("norm", {"layer", "rms"}, "layer");
//   model.add_polymorphic("block", block_catalog, "pre_ln").help("residual block");
//   model.add_check([](const ResolvedView& v, Reporter& r) {
//     if (v.get<int64_t>("d_model") % v.get<int64_t>("n_heads") != 0)
//       r.error("n_heads", "must divide d_model");
//   });
//   Schema root;
//   root.add_section("model", model).help("the network");
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "weft/config/diagnostics.h"
#include "weft/config/view.h"

namespace weft {

enum class OptionType {
  boolean,
  integer,
  number,            // integers accepted; must be finite
  string,            // any scalar, kept as written
  choice,            // one of a fixed list of strings
  list_of_numbers,
  list_of_integers,
  list_of_strings,
  section,           // a nested Schema
  polymorphic,       // a nested Schema chosen by the section's `type` key
  any_map,           // free-form map, kept verbatim (keys sorted in the resolved recipe)
};
const char* option_type_name(OptionType t);  // "integer", "list of numbers", ...

class Schema;
using SchemaProvider = std::function<Schema()>;
// Known types of a polymorphic section, by name (a std::map, so listing order is stable).
using TypeCatalog = std::function<std::map<std::string, SchemaProvider>()>;
// Cross-field check: reads the resolved section through the view (defaults
// filled) and reports through the reporter, scoped to the same section.
using CheckFn = std::function<void(const ResolvedView&, Reporter&)>;

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::string;
  std::string help;
  bool has_default = false;
  YAML::Node default_value;  // canonical form; meaningful only when has_default
  bool required = false;     // no default, and must be given
  // Numeric range (integers, numbers and their lists' elements), inclusive unless *_exclusive.
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
  std::optional<size_t> min_length, max_length;  // lists
  std::vector<std::string> choices;              // choice
  std::shared_ptr<const Schema> section;         // section
  TypeCatalog types;                             // polymorphic
  std::optional<std::string> default_type;       // polymorphic
};

class Schema {
 public:
  // Returned by every add_*: refines the option just added. Holds the schema
  // by pointer, so use it within the statement (the usual chained style).
  class OptionBuilder {
   public:
    OptionBuilder(Schema* schema, size_t index) : schema_(schema), index_(index) {}
    OptionBuilder& help(std::string text);
    OptionBuilder& required();                 // drops any default
    OptionBuilder& range(double lo, double hi);  // inclusive
    OptionBuilder& min(double lo, bool exclusive = false);
    OptionBuilder& max(double hi, bool exclusive = false);
    OptionBuilder& length(size_t n);           // lists: exactly n elements
    OptionBuilder& length(size_t lo, size_t hi);
    OptionSpec& spec();

   private:
    void check_default() const;  // a default outside its own range is a bug in the schema
    Schema* schema_;
    size_t index_;
  };

  // A std::nullopt default leaves the option optional (absent unless given);
  // .required() makes it mandatory.
  OptionBuilder add_bool(std::string name, std::optional<bool> def = std::nullopt);
  OptionBuilder add_int(std::string name, std::optional<int64_t> def = std::nullopt);
  OptionBuilder add_number(std::string name, std::optional<double> def = std::nullopt);
  OptionBuilder add_string(std::string name, std::optional<std::string> def = std::nullopt);
  OptionBuilder add_choice(std::string name, std::vector<std::string> choices,
                           std::optional<std::string> def = std::nullopt);
  OptionBuilder add_numbers(std::string name, std::optional<std::vector<double>> def = std::nullopt);
  OptionBuilder add_ints(std::string name, std::optional<std::vector<int64_t>> def = std::nullopt);
  OptionBuilder add_strings(std::string name,
                            std::optional<std::vector<std::string>> def = std::nullopt);
  // A section is always present in the resolved recipe (its defaults filled).
  OptionBuilder add_section(std::string name, Schema schema);
  // Without a default type the section is optional, unless .required() is called.
  OptionBuilder add_polymorphic(std::string name, TypeCatalog types,
                                std::optional<std::string> default_type = std::nullopt);
  OptionBuilder add_any_map(std::string name);

  Schema& add_check(CheckFn check);

  const std::vector<OptionSpec>& options() const { return options_; }
  const std::vector<CheckFn>& checks() const { return checks_; }
  const OptionSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  OptionBuilder add(OptionSpec spec);
  std::vector<OptionSpec> options_;
  std::vector<CheckFn> checks_;
};

// A fixed set of types, as a catalog.
TypeCatalog fixed_types(std::map<std::string, Schema> types);

// The range rule, shared by the validator and the schema's own default check:
// a message such as "0 is below the minimum 1", or nullopt when value fits.
// text is the value as the user wrote it.
std::optional<std::string> out_of_range(const OptionSpec& spec, double value, const std::string& text);

// Text for `weft layers` and docs: one line per option (name, type, default,
// range or choices, help), nested sections indented by two spaces, and every
// type of a polymorphic section listed with its own options.
std::string render_schema(const Schema& schema, int indent = 0);
// The pieces render_schema uses, for other layouts (JSON, tables).
std::string describe_default(const OptionSpec& spec);  // "6", "[0.9, 0.95]", "required", "-"
std::string describe_range(const OptionSpec& spec);    // "[1, 1024]", "(0, 1]", ">= 0", "one of: a, b", ""

}  // namespace weft
