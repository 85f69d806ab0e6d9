#include "weft/data/vocabulary.h"

#include <algorithm>

#include "utf8.h"
#include "weft/core/error.h"

namespace weft {

namespace {

constexpr uint32_t kCodeSpace = 0x110000;

// The character as the user typed it when printable, and always its U+ code.
std::string describe_char(uint32_t cp) {
  const bool printable = cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0);
  return printable ? "'" + utf8::encode(cp) + "' (" + utf8::code_name(cp) + ")" : utf8::code_name(cp);
}

[[noreturn]] void throw_invalid_utf8(const std::string& source, size_t offset) {
  throw DataError(detail::concat(source, ": not valid UTF-8 at byte ", offset,
                                 " (kind 'chars' needs UTF-8 text; kind 'bytes' reads any bytes)"));
}

}  // namespace

TextVocab TextVocab::bytes() {
  TextVocab v;
  v.kind_ = "bytes";
  return v;
}

TextVocab TextVocab::chars_of(std::string_view text, const std::string& source) {
  WEFT_CHECK(!text.empty(), DataError, source, ": no text to build a chars vocabulary from");
  // The distinct code points, sorted: a bitmap finds each first occurrence, and
  // only those are sorted (scanning the whole code space cost ~1 ms per call).
  std::vector<bool> seen(kCodeSpace, false);
  std::vector<uint32_t> distinct;
  uint32_t cp = 0;
  for (size_t i = 0; i < text.size();) {
    const int len = utf8::decode(text, i, cp);
    if (len == 0) throw_invalid_utf8(source, i);
    if (!seen[cp]) {
      seen[cp] = true;
      distinct.push_back(cp);
    }
    i += static_cast<size_t>(len);
  }
  std::sort(distinct.begin(), distinct.end());
  TextVocab v;
  v.kind_ = "chars";
  for (uint32_t c : distinct) {
    v.code_points_.push_back(c);
    v.symbols_.push_back(utf8::encode(c));
  }
  return v;
}

TextVocab TextVocab::from_json(const nlohmann::json& j) {
  WEFT_CHECK(j.is_object() && j.contains("kind") && j["kind"].is_string(), CheckpointError,
             "vocabulary: expected an object with a string 'kind', got ", j.dump());
  const std::string kind = j["kind"].get<std::string>();
  if (kind == "bytes") {
    WEFT_CHECK(!j.contains("size") || j["size"] == 256, CheckpointError,
               "vocabulary: a bytes vocabulary has size 256, got ", j["size"].dump());
    return bytes();
  }
  WEFT_CHECK(kind == "chars", CheckpointError, "vocabulary: unknown kind '", kind, "' (expected bytes or chars)");
  WEFT_CHECK(j.contains("symbols") && j["symbols"].is_array() && !j["symbols"].empty(), CheckpointError,
             "vocabulary: a chars vocabulary needs a non-empty array 'symbols'");
  TextVocab v;
  v.kind_ = "chars";
  for (size_t k = 0; k < j["symbols"].size(); ++k) {
    const auto& s = j["symbols"][k];
    WEFT_CHECK(s.is_string(), CheckpointError, "vocabulary: symbols[", k, "] is not a string: ", s.dump());
    const std::string text = s.get<std::string>();
    uint32_t cp = 0;
    const int len = text.empty() ? 0 : utf8::decode(text, 0, cp);
    WEFT_CHECK(len > 0 && static_cast<size_t>(len) == text.size(), CheckpointError, "vocabulary: symbols[", k,
               "] = ", s.dump(), " is not exactly one character");
    // Token ids are positions in code-point order; any other order would decode wrongly.
    WEFT_CHECK(v.code_points_.empty() || cp > v.code_points_.back(), CheckpointError, "vocabulary: symbols[", k,
               "] is out of code-point order or repeated");
    v.code_points_.push_back(cp);
    v.symbols_.push_back(text);
  }
  return v;
}

int64_t TextVocab::size() const { return kind_ == "bytes" ? 256 : static_cast<int64_t>(symbols_.size()); }

std::vector<int64_t> TextVocab::encode(std::string_view text, const std::string& source) const {
  std::vector<int64_t> ids;
  if (kind_ == "bytes") {
    ids.reserve(text.size());
    for (char c : text) ids.push_back(static_cast<uint8_t>(c));
    return ids;
  }
  uint32_t cp = 0;
  for (size_t i = 0; i < text.size();) {
    const int len = utf8::decode(text, i, cp);
    if (len == 0) throw_invalid_utf8(source, i);
    auto it = std::lower_bound(code_points_.begin(), code_points_.end(), cp);
    WEFT_CHECK(it != code_points_.end() && *it == cp, DataError, source, ": character ", describe_char(cp),
               " is not in the chars vocabulary (", code_points_.size(), " symbols)");
    ids.push_back(it - code_points_.begin());
    i += static_cast<size_t>(len);
  }
  return ids;
}

std::vector<int32_t> TextVocab::encode_corpus(std::string_view text, const std::string& source) const {
  std::vector<int32_t> ids;
  if (kind_ == "bytes") {
    ids.resize(text.size());
    for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<uint8_t>(text[i]);
    return ids;
  }
  // A dense code point → id table: one lookup per character over a large corpus.
  std::vector<int32_t> table(code_points_.empty() ? 0 : code_points_.back() + 1, -1);
  for (size_t k = 0; k < code_points_.size(); ++k) table[code_points_[k]] = static_cast<int32_t>(k);
  ids.reserve(text.size());
  uint32_t cp = 0;
  for (size_t i = 0; i < text.size();) {
    const int len = utf8::decode(text, i, cp);
    if (len == 0) throw_invalid_utf8(source, i);
    WEFT_CHECK(cp < table.size() && table[cp] >= 0, DataError, source, ": character ", describe_char(cp),
               " is not in the chars vocabulary (", code_points_.size(), " symbols)");
    ids.push_back(table[cp]);
    i += static_cast<size_t>(len);
  }
  return ids;
}

std::string TextVocab::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  const int64_t n = size();
  for (int64_t id : ids) {
    WEFT_CHECK(id >= 0 && id < n, DataError, "decode: token id ", id, " is outside the ", kind_,
               " vocabulary [0, ", n, ")");
    if (kind_ == "bytes")
      out += static_cast<char>(static_cast<uint8_t>(id));
    else
      out += symbols_[static_cast<size_t>(id)];
  }
  return out;
}

nlohmann::json TextVocab::to_json() const {
  if (kind_ == "bytes") return {{"kind", "bytes"}, {"size", 256}};
  return {{"kind", "chars"}, {"symbols", symbols_}};
}

}  // namespace weft
