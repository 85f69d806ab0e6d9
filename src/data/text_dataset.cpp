#include "weft/data/text_dataset.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <system_error>

#include "utf8.h"
#include "weft/core/error.h"
#include "weft/core/regular_file.h"

namespace weft {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& file) {
  // Never blocks on a FIFO or reads /dev/zero without end: regular files only.
  OpenedFile f = open_regular_file(file);
  WEFT_CHECK(f.fd >= 0, DataError, "data: cannot open '", file.string(), "' for reading: ", f.problem);
  std::string text(static_cast<size_t>(f.size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t r = ::read(f.fd, text.data() + got, text.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  ::close(f.fd);
  WEFT_CHECK(got == text.size(), DataError, "data: error while reading '", file.string(), "' (read ", got, " of ",
             text.size(), " bytes)");
  return text;
}

// The regular files below `dir`, sorted by relative path.
std::vector<fs::path> list_files(const fs::path& dir) {
  std::vector<std::pair<std::string, fs::path>> files;
  try {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file()) files.emplace_back(fs::relative(e.path(), dir).generic_string(), e.path());
    }
  } catch (const fs::filesystem_error& e) {
    throw DataError(detail::concat("data: cannot list folder '", dir.string(), "': ", e.what()));
  }
  std::sort(files.begin(), files.end());
  std::vector<fs::path> out;
  for (auto& f : files) out.push_back(std::move(f.second));
  return out;
}

void check_kind_and_fractions(const std::string& kind, double val, double test) {
  WEFT_CHECK(kind == "bytes" || kind == "chars", ValueError, "data: unknown text kind '", kind,
             "' (expected bytes or chars)");
  WEFT_CHECK(val >= 0 && test >= 0 && val + test < 1, ValueError, "data: val_fraction = ", val,
             " and test_fraction = ", test, " must be >= 0 and sum to less than 1");
}

}  // namespace

TextCorpus TextCorpus::load(const fs::path& path, const std::string& kind, double val_fraction,
                            double test_fraction) {
  check_kind_and_fractions(kind, val_fraction, test_fraction);
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  WEFT_CHECK(!ec || ec == std::errc::no_such_file_or_directory, DataError, "data: cannot access '", path.string(),
             "': ", ec.message());
  WEFT_CHECK(fs::exists(st), DataError, "data: path '", path.string(), "' does not exist");
  std::string text;
  if (fs::is_regular_file(st)) {
    text = read_file(path);  // UTF-8 is checked by from_text, naming the file
  } else if (fs::is_directory(st)) {
    for (const fs::path& f : list_files(path)) {
      std::string part = read_file(f);
      if (part.empty()) continue;
      // Checked per file so that the message names the file and its own offset.
      if (kind == "chars" && utf8::first_invalid(part) != std::string_view::npos)
        TextVocab::chars_of(part, f.string());  // throws: not UTF-8 at <offset>
      text += part;
      if (text.back() != '\n') text += '\n';
    }
  } else {
    throw DataError("data: path '" + path.string() + "' is neither a regular file nor a folder");
  }
  WEFT_CHECK(!text.empty(), DataError, "data: '", path.string(), "' holds no text (0 bytes)");
  return from_text(text, kind, val_fraction, test_fraction, path.string());
}

TextCorpus TextCorpus::from_text(std::string_view text, const std::string& kind, double val_fraction,
                                 double test_fraction, const std::string& source) {
  check_kind_and_fractions(kind, val_fraction, test_fraction);
  WEFT_CHECK(!text.empty(), DataError, "data: '", source, "' holds no text (0 bytes)");
  TextCorpus c;
  c.source_ = source;
  c.val_fraction_ = val_fraction;
  c.test_fraction_ = test_fraction;
  c.vocab_ = kind == "bytes" ? TextVocab::bytes() : TextVocab::chars_of(text, source);
  c.split_tokens(c.vocab_.encode_corpus(text, source));
  return c;
}

TextCorpus TextCorpus::from_vocab_json(const nlohmann::json& j) {
  TextCorpus c;
  c.vocab_ = TextVocab::from_json(j);
  c.source_ = "<checkpoint vocabulary>";
  return c;
}

void TextCorpus::split_tokens(std::vector<int32_t> all) {
  const auto n = static_cast<double>(all.size());
  const size_t total = all.size();
  const auto a = std::min(total, static_cast<size_t>(std::floor(n * (1.0 - val_fraction_ - test_fraction_))));
  const auto b = std::clamp(static_cast<size_t>(std::floor(n * (1.0 - test_fraction_))), a, total);
  val_.assign(all.begin() + static_cast<std::ptrdiff_t>(a), all.begin() + static_cast<std::ptrdiff_t>(b));
  test_.assign(all.begin() + static_cast<std::ptrdiff_t>(b), all.end());
  all.resize(a);  // no shrink_to_fit: it would copy the whole train split once more
  train_ = std::move(all);
}

const std::vector<int32_t>& TextCorpus::tokens(Split s) const {
  switch (s) {
    case Split::train: return train_;
    case Split::val: return val_;
    case Split::test: return test_;
  }
  return train_;
}

int64_t TextCorpus::total_tokens() const {
  return static_cast<int64_t>(train_.size() + val_.size() + test_.size());
}

void TextCorpus::require_split_length(Split s, int64_t seq_len, const char* purpose) const {
  const auto have = static_cast<int64_t>(tokens(s).size());
  if (have >= seq_len + 1) return;
  const double fraction = s == Split::train ? 1.0 - val_fraction_ - test_fraction_
                          : s == Split::val ? val_fraction_
                                            : test_fraction_;
  throw DataError(detail::concat("data: the ", split_name(s), " split of '", source_, "' holds ", have,
                                 " tokens, but ",
                                 purpose ? std::string(purpose) : "seq_len " + std::to_string(seq_len),
                                 " needs at least ", seq_len + 1, " (", fraction, " of ", total_tokens(), " tokens); ",
                                 purpose ? std::string("use more text or a larger data.") + std::string(split_name(s)) + "_fraction"
                                         : std::string("use more text, a larger fraction or a shorter seq_len")));
}

}  // namespace weft
