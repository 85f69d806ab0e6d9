#include "bounded_json.h"

#include <utility>

#include "weft/core/error.h"

namespace weft::ckpt_io {

using json = nlohmann::json;

json::parser_callback_t depth_limited(int max_depth, std::string what, json::parser_callback_t inner) {
  return [max_depth, what = std::move(what), inner = std::move(inner)](int depth, json::parse_event_t ev,
                                                                        json& parsed) -> bool {
    if ((ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) && depth >= max_depth)
      throw CheckpointError(detail::concat(what, ": nests deeper than ", max_depth, " levels (corrupt or hostile)"));
    return inner ? inner(depth, ev, parsed) : true;
  };
}

namespace {

void excerpt_into(const json& v, std::string& out, size_t max_chars) {
  if (out.size() >= max_chars) return;
  if (v.is_array() || v.is_object()) {
    out += v.is_array() ? '[' : '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (out.size() >= max_chars) {
        out += ", ...";
        break;
      }
      if (!first) out += ", ";
      first = false;
      if (v.is_object()) out += json(it.key()).dump() + ": ";
      excerpt_into(it.value(), out, max_chars);
    }
    out += v.is_array() ? ']' : '}';
    return;
  }
  std::string s = v.dump();  // a scalar: only a long string can be long
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
  out += s;
}

}  // namespace

std::string json_excerpt(const json& v, size_t max_chars) {
  std::string out;
  excerpt_into(v, out, max_chars);
  return out;
}

}  // namespace weft::ckpt_io
