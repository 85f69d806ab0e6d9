// defines: TextVocab — the token ↔ text mapping of a text corpus, and its JSON
// form stored in checkpoints so that `weft generate` decodes without the corpus.
//
//   bytes: 256 tokens, token = byte value; any byte string encodes.
//   chars: one token per distinct Unicode code point of the training corpus, in
//          code-point order (token = index into the sorted list); text must be
//          valid UTF-8 and use only those code points.
// JSON: {"kind": "bytes", "size": 256} or {"kind": "chars", "symbols": ["\n", " ", "a", ...]}.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace weft {

class TextVocab {
 public:
  static TextVocab bytes();
  // The sorted distinct code points of `text` (valid UTF-8, else DataError naming
  // `source` and the byte offset). Throws DataError when `text` is empty.
  static TextVocab chars_of(std::string_view text, const std::string& source);
  // Throws CheckpointError naming the key when `j` is not a vocabulary written by to_json().
  static TextVocab from_json(const nlohmann::json& j);

  const std::string& kind() const { return kind_; }  // "bytes" | "chars"
  int64_t size() const;
  // chars: the UTF-8 text of each token.
  const std::vector<std::string>& symbols() const { return symbols_; }

  // Throws DataError naming `source` on invalid UTF-8 or a character outside the
  // vocabulary (the message shows the character and its U+ code).
  std::vector<int64_t> encode(std::string_view text, const std::string& source = "text") const;
  // Token ids must be in [0, size()); otherwise DataError naming the id.
  std::string decode(const std::vector<int64_t>& ids) const;
  nlohmann::json to_json() const;

  // The token stream of a whole corpus, as the compact type the corpus stores.
  std::vector<int32_t> encode_corpus(std::string_view text, const std::string& source) const;

 private:
  std::string kind_;
  std::vector<std::string> symbols_;      // chars only
  std::vector<uint32_t> code_points_;     // chars only, sorted, parallel to symbols_
};

}  // namespace weft
