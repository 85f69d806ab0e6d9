// defines: the strict scalar grammar shared by the validator and the typed
// accessors (parse_bool/int/number), the canonical spellings the resolved
// recipe is written with (format_number), and plain_is_string (when a string
// must be quoted so that it reads back as a string).
//
// Private to src/config. YAML itself is permissive (yaml-cpp reads "yes" as a
// boolean and "1e4" as an integer); a recipe is not, so a typo never silently
// changes a value's meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

namespace weft::config_detail {

// A scalar the user quoted ("12") is a string, never a number or a boolean.
inline bool is_quoted(const YAML::Node& n) { return n.Tag() == "!"; }

// true/True/TRUE/false/False/FALSE (YAML 1.2 core); not yes/no/on/off/1/0.
std::optional<bool> parse_bool(const std::string& text);
// Decimal integers with an optional sign; '_' between digits is allowed (100_000).
std::optional<int64_t> parse_int(const std::string& text);
// Finite decimal numbers, integers included ("3e-4", "1", ".5").
std::optional<double> parse_number(const std::string& text);

// Shortest text that reads back to exactly d, always with a '.' so that it is
// a float to every YAML reader (YAML 1.1 needs "1.0e-10", not "1e-10").
std::string format_number(double d);
// A bound for messages and docs: integral values without ".0".
std::string format_bound(double d);

// Whether an unquoted scalar with this text would read as a string in YAML
// (1.1 or 1.2): false for null, booleans, numbers and .inf/.nan spellings.
bool plain_is_string(const std::string& text);

// Canonical scalar nodes, as the resolved recipe stores them. Strings carry
// the quoted tag "!" so that they stay strings when written out and read back.
YAML::Node bool_node(bool v);
YAML::Node int_node(int64_t v);
YAML::Node number_node(double v);
YAML::Node string_node(const std::string& v);

// How a value is named in messages: "'abc'", "a list", "a map", "an empty value".
std::string describe_value(const YAML::Node& n);

}  // namespace weft::config_detail
