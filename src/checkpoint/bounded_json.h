// defines: depth_limited, json_excerpt — JSON from checkpoint files (safetensors
// headers, state.json) is hostile input: a 100,000-deep array parses fine
// (nlohmann's parser is iterative) but overflows the stack of every recursive
// walk afterwards (dump(), comparison), and quoting a huge value in an error
// message prints megabytes. So nesting is bounded while parsing, and messages
// quote a short excerpt, never a whole dump().
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace weft::ckpt_io {

// A parser callback that throws CheckpointError("<what>: nests deeper than N
// levels ...") on the first object or array opened at depth >= max_depth, and
// otherwise defers to `inner` (or keeps every value).
nlohmann::json::parser_callback_t depth_limited(int max_depth, std::string what,
                                                nlohmann::json::parser_callback_t inner = nullptr);

// At most about max_chars characters of v, however large or deep v is.
std::string json_excerpt(const nlohmann::json& v, size_t max_chars = 120);

}  // namespace weft::ckpt_io
