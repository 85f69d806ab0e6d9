// defines: TextCorpus — a byte- or character-level text corpus split into
// train / val / test token streams by a fixed rule.
//
// Reading: `path` is a file (read as is) or a folder, in which case every regular
// file below it (recursively; symlinks to files are followed, symlinked folders
// are not) is read in order of its relative path (byte-wise string order), and a
// '\n' is appended to each file that does not end in one so files never run into
// each other. Empty files contribute nothing.
//
// Split rule (fixed, so every run of a recipe sees the same data): the token stream
// of N tokens is cut by position into three contiguous blocks,
//   train = [0, a),  val = [a, b),  test = [b, N)
//   a = floor(N·(1 − val_fraction − test_fraction)),  b = floor(N·(1 − test_fraction)).
// The vocabulary of a chars corpus is taken from the whole stream (all splits), so
// val/test never hold an unknown token.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "weft/data/split.h"
#include "weft/data/vocabulary.h"

namespace weft {

class TextCorpus {
 public:
  // kind: "bytes" | "chars" (ValueError otherwise). Fractions must be ≥ 0 with
  // val + test < 1 (ValueError). Throws DataError naming the path when it is
  // missing, unreadable, neither a file nor a folder, or holds no bytes, and (chars)
  // when it is not valid UTF-8.
  static TextCorpus load(const std::filesystem::path& path, const std::string& kind, double val_fraction,
                         double test_fraction);
  // The same from text in memory; `source` names it in messages.
  static TextCorpus from_text(std::string_view text, const std::string& kind, double val_fraction,
                              double test_fraction, const std::string& source = "<text>");
  // A corpus that only has a vocabulary (no tokens): what `weft generate` rebuilds
  // from a checkpoint's vocab_json(). Throws CheckpointError on a malformed object.
  static TextCorpus from_vocab_json(const nlohmann::json& j);

  const std::string& kind() const { return vocab_.kind(); }
  const std::string& source() const { return source_; }
  int64_t vocab_size() const { return vocab_.size(); }
  const TextVocab& vocab() const { return vocab_; }
  nlohmann::json vocab_json() const { return vocab_.to_json(); }
  std::vector<int64_t> encode(std::string_view text) const { return vocab_.encode(text); }
  std::string decode(const std::vector<int64_t>& ids) const { return vocab_.decode(ids); }

  const std::vector<int32_t>& tokens(Split s) const;
  int64_t total_tokens() const;
  // Throws DataError with the numbers unless split `s` holds at least seq_len + 1
  // tokens (one window of inputs plus its shifted targets). `purpose` names what
  // needs them in the message (default: "seq_len N").
  void require_split_length(Split s, int64_t seq_len, const char* purpose = nullptr) const;

 private:
  TextCorpus() = default;
  void split_tokens(std::vector<int32_t> all);

  TextVocab vocab_;
  std::string source_;
  double val_fraction_ = 0, test_fraction_ = 0;
  std::vector<int32_t> train_, val_, test_;
};

// What a text model needs from the data (Dataset::description of bytes/chars):
// {"type": "bytes"|"chars", "vocab": vocab.to_json(), "vocab_size": N}.
nlohmann::json text_data_description(const TextVocab& vocab);

}  // namespace weft
