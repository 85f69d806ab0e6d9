// Text corpora (bytes and chars), the split rule, the random-window sampler and
// its O(1) resume, and the evaluation windows.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "../support/test_util.h"
#include "weft/data/eval_batches.h"
#include "weft/data/sampler.h"
#include "weft/data/text_dataset.h"

using namespace weft;
namespace fs = std::filesystem;

namespace {

const fs::path kTiny = fs::path(WEFT_SOURCE_DIR) / "tests/data/fixtures/tiny.txt";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A fresh scratch folder per test, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / ("weft_data_test_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::vector<int64_t> as_i64(const std::vector<int32_t>& v) { return {v.begin(), v.end()}; }

std::vector<int64_t> row(const Tensor& t, int64_t r) {
  auto v = t.to_vector<int64_t>();
  const int64_t cols = t.size(1);
  return {v.begin() + r * cols, v.begin() + (r + 1) * cols};
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("bytes corpus: vocab 256, tokens are bytes, positional split rule") {
    const std::string text = read_all(kTiny);
    REQUIRE(text.size() > 3000);
    TextCorpus c = TextCorpus::load(kTiny, "bytes", 0.1, 0.1);
    CHECK(c.kind() == "bytes");
    CHECK(c.vocab_size() == 256);
    const auto n = static_cast<int64_t>(text.size());
    CHECK(c.total_tokens() == n);
    const auto a = static_cast<size_t>(std::floor(static_cast<double>(n) * 0.8));
    const auto b = static_cast<size_t>(std::floor(static_cast<double>(n) * 0.9));
    CHECK(c.tokens(Split::train).size() == a);
    CHECK(c.tokens(Split::val).size() == b - a);
    CHECK(c.tokens(Split::test).size() == static_cast<size_t>(n) - b);
    // Contiguous blocks in order: train ++ val ++ test is the file.
    std::vector<int64_t> all;
    for (Split s : {Split::train, Split::val, Split::test})
      for (int32_t t : c.tokens(s)) all.push_back(t);
    CHECK(c.decode(all) == text);
    CHECK(c.encode(std::string("\xff\x00z", 3)) == std::vector<int64_t>{255, 0, 'z'});
    CHECK(c.vocab_json() == nlohmann::json{{"kind", "bytes"}, {"size", 256}});

    TextCorpus none = TextCorpus::load(kTiny, "bytes", 0.0, 0.0);
    CHECK(none.tokens(Split::train).size() == static_cast<size_t>(n));
    CHECK(none.tokens(Split::val).empty());
    CHECK_THROWS_WITH_AS(none.require_split_length(Split::val, 8), doctest::Contains("needs at least 9"), DataError);
  }

  TEST_CASE("chars corpus: sorted code points, encode/decode round trip, vocab JSON") {
    const std::string text = read_all(kTiny);
    TextCorpus c = TextCorpus::load(kTiny, "chars", 0.05, 0.05);
    CHECK(c.kind() == "chars");
    const auto& sym = c.vocab().symbols();
    CHECK(c.vocab_size() == static_cast<int64_t>(sym.size()));
    CHECK(sym.size() == 59);  // distinct characters of the fixture (ASCII plus é ê ï —)
    CHECK(sym.front() == "\n");
    CHECK(sym.back() == "\u2014");
    CHECK(std::is_sorted(sym.begin(), sym.end()));  // UTF-8 byte order = code-point order
    CHECK(c.total_tokens() < static_cast<int64_t>(text.size()));  // multi-byte characters are one token
    std::vector<int64_t> all;
    for (Split s : {Split::train, Split::val, Split::test})
      for (int32_t t : c.tokens(s)) all.push_back(t);
    CHECK(c.decode(all) == text);
    CHECK(c.encode(text) == all);
    const std::string phrase = "The café serves crêpes \u2014 naïve hope.";
    CHECK(c.decode(c.encode(phrase)) == phrase);
    CHECK(c.encode("é").size() == 1);

    CHECK_THROWS_WITH_AS(c.encode("Ω"), doctest::Contains("U+03A9"), DataError);
    CHECK_THROWS_WITH_AS(c.encode("a\xff"), doctest::Contains("not valid UTF-8 at byte 1"), DataError);
    CHECK_THROWS_WITH_AS(c.decode({0, c.vocab_size()}), doctest::Contains("token id 59"), DataError);

    // The vocabulary alone, as a checkpoint stores it, encodes and decodes the same.
    TextCorpus v = TextCorpus::from_vocab_json(nlohmann::json::parse(c.vocab_json().dump()));
    CHECK(v.vocab_size() == c.vocab_size());
    CHECK(v.encode(phrase) == c.encode(phrase));
    CHECK(v.decode(c.encode(phrase)) == phrase);
    CHECK(v.total_tokens() == 0);
    CHECK_THROWS_AS(v.require_split_length(Split::train, 4), DataError);
    CHECK_THROWS_AS(TextCorpus::from_vocab_json({{"kind", "words"}}), CheckpointError);
    CHECK_THROWS_AS(TextCorpus::from_vocab_json({{"kind", "chars"}, {"symbols", {"b", "a"}}}), CheckpointError);
    CHECK_THROWS_AS(TextCorpus::from_vocab_json({{"kind", "chars"}, {"symbols", {"ab"}}}), CheckpointError);
    CHECK(TextCorpus::from_vocab_json({{"kind", "bytes"}}).vocab_size() == 256);
  }

  TEST_CASE("folders: files sorted by relative path, newline-terminated; errors name the path") {
    TempDir dir("folder");
    write_file(dir.path / "b.txt", "world");
    write_file(dir.path / "a" / "c.txt", "hello\n");
    write_file(dir.path / "empty.txt", "");
    write_file(dir.path / "z.txt", "caf\xc3\xa9");
    TextCorpus c = TextCorpus::load(dir.path, "chars", 0.0, 0.0);
    std::vector<int64_t> ids = as_i64(c.tokens(Split::train));
    CHECK(c.decode(ids) == "hello\nworld\ncaf\xc3\xa9\n");
    CHECK(TextCorpus::load(dir.path, "bytes", 0, 0).total_tokens() == 6 + 6 + 6);

    write_file(dir.path / "y.bin", "ok\xc3(");
    CHECK_THROWS_WITH_AS(TextCorpus::load(dir.path, "chars", 0, 0), doctest::Contains("y.bin: not valid UTF-8 at byte 2"),
                         DataError);
    CHECK(TextCorpus::load(dir.path, "bytes", 0, 0).total_tokens() == 6 + 6 + 5 + 6);

    const fs::path missing = dir.path / "nope.txt";
    CHECK_THROWS_WITH_AS(TextCorpus::load(missing, "bytes", 0.1, 0), doctest::Contains(missing.string().c_str()), DataError);
    TempDir empty("empty");
    CHECK_THROWS_WITH_AS(TextCorpus::load(empty.path, "bytes", 0.1, 0), doctest::Contains("holds no text"), DataError);
    write_file(empty.path / "zero.txt", "");
    CHECK_THROWS_AS(TextCorpus::load(empty.path / "zero.txt", "chars", 0.1, 0), DataError);
    CHECK_THROWS_WITH_AS(TextCorpus::load(kTiny, "words", 0.1, 0), doctest::Contains("'words'"), ValueError);
    CHECK_THROWS_AS(TextCorpus::load(kTiny, "bytes", 0.6, 0.4), ValueError);
    CHECK_THROWS_AS(TextCorpus::load(kTiny, "bytes", -0.1, 0), ValueError);
  }

  TEST_CASE("splits by name") {
    CHECK(parse_split("train") == Split::train);
    CHECK(parse_split("val") == Split::val);
    CHECK(parse_split("test") == Split::test);
    CHECK(split_name(Split::val) == "val");
    CHECK_THROWS_WITH_AS(parse_split("valid"), doctest::Contains("'valid'"), ValueError);
  }

  TEST_CASE("require_split_length names the numbers") {
    TextCorpus c = TextCorpus::from_text(std::string(100, 'a'), "bytes", 0.1, 0.0, "hundred");
    CHECK(c.tokens(Split::val).size() == 10);
    c.require_split_length(Split::val, 9);
    CHECK_THROWS_WITH_AS(c.require_split_length(Split::val, 10),
                         doctest::Contains("the val split of 'hundred' holds 10 tokens, but seq_len 10 needs at least 11"),
                         DataError);
    CHECK_THROWS_AS(BatchSampler(c, Split::val, 2, 10, 1), DataError);
  }

  TEST_CASE("sampler: windows are a pure function of (seed, cursor); y is x shifted") {
    TextCorpus c = TextCorpus::load(kTiny, "bytes", 0.1, 0.1);
    const auto& tok = c.tokens(Split::train);
    const int64_t B = 4, T = 16;
    BatchSampler s(c, Split::train, B, T, 42);
    for (int64_t cursor = 0; cursor < 3; ++cursor) {
      Batch bt = s.next();
      CHECK(bt.at("ids").dtype() == DType::i64);
      CHECK(bt.at("ids").shape() == Shape{B, T});
      CHECK(bt.at("targets").shape() == Shape{B, T});
      for (int64_t b = 0; b < B; ++b) {
        const double u = philox_uniform({42, 0}, static_cast<uint64_t>(cursor * B + b));
        const auto range = static_cast<int64_t>(tok.size()) - T;
        const int64_t start = std::min(static_cast<int64_t>(std::floor(u * static_cast<double>(range))), range - 1);
        const std::vector<int64_t> want_x(tok.begin() + start, tok.begin() + start + T);
        const std::vector<int64_t> want_y(tok.begin() + start + 1, tok.begin() + start + T + 1);
        CHECK(row(bt.at("ids"), b) == want_x);
        CHECK(row(bt.at("targets"), b) == want_y);
      }
    }
    CHECK(s.cursor() == 3);
    BatchSampler same(c, Split::train, B, T, 42), other(c, Split::train, B, T, 43);
    Batch b0 = same.next();
    CHECK(test::bitwise_equal(b0.at("ids"), s.batch_at(0).at("ids")));
    CHECK_FALSE(test::bitwise_equal(b0.at("ids"), other.next().at("ids")));
    CHECK_THROWS_AS(BatchSampler(c, Split::train, 0, T, 1), ValueError);
  }

  TEST_CASE("sampler: O(1) resume gives the identical next batch") {
    TextCorpus c = TextCorpus::load(kTiny, "chars", 0.1, 0.0);
    BatchSampler a(c, Split::train, 3, 8, 1234);
    for (int k = 0; k < 5; ++k) a.next();
    const auto saved = nlohmann::json::parse(a.state().dump());
    CHECK(saved["cursor"] == 5);
    CHECK(saved["seed"] == 1234);
    CHECK(saved["split"] == "train");
    // The seed is the recipe's: a state with another one is damage (issue finding 8).
    BatchSampler reseeded(c, Split::train, 3, 8, 999);
    CHECK_THROWS_WITH_AS(reseeded.load_state(saved), doctest::Contains("'seed'"), CheckpointError);
    BatchSampler b(c, Split::train, 3, 8, 1234);
    b.load_state(saved);
    CHECK(b.cursor() == 5);
    CHECK(b.seed() == 1234);
    Batch na = a.next(), nb = b.next();
    CHECK(test::bitwise_equal(na.at("ids"), nb.at("ids")));
    CHECK(test::bitwise_equal(na.at("targets"), nb.at("targets")));

    BatchSampler val(c, Split::val, 3, 8, 1);
    CHECK_THROWS_WITH_AS(val.load_state(saved), doctest::Contains("'train'"), CheckpointError);
    BatchSampler wider(c, Split::train, 4, 8, 1);
    CHECK_THROWS_WITH_AS(wider.load_state(saved), doctest::Contains("'batch'"), CheckpointError);
    auto broken = saved;
    broken.erase("cursor");
    CHECK_THROWS_WITH_AS(b.load_state(broken), doctest::Contains("'cursor'"), CheckpointError);
    broken = saved;
    broken["cursor"] = -1;
    CHECK_THROWS_AS(b.load_state(broken), CheckpointError);
    CHECK(b.cursor() == 6);  // failed loads change nothing
  }

  TEST_CASE("eval batches cover the split exactly once, in order") {
    TextCorpus c = TextCorpus::load(kTiny, "bytes", 0.1, 0.1);
    for (Split split : {Split::val, Split::test}) {
      const auto& tok = c.tokens(split);
      const auto n = static_cast<int64_t>(tok.size());
      for (auto [B, T] : {std::pair<int64_t, int64_t>{4, 16}, {3, 7}, {1, n - 1}, {2, (n - 1) / 2}, {5, 1000}}) {
        CAPTURE(split_name(split));
        CAPTURE(B);
        CAPTURE(T);
        EvalBatches eb(c, split, B, T);
        std::vector<int64_t> xs, ys;
        int64_t targets = 0;
        for (int64_t i = 0; i < eb.size(); ++i) {
          Batch bt = eb[i];
          CHECK(bt.at("ids").shape() == bt.at("targets").shape());
          CHECK(bt.at("ids").size(0) <= B);
          CHECK(bt.at("ids").size(1) <= T);
          if (bt.at("ids").size(1) < T) CHECK(i == eb.size() - 1);  // only the last window is shortened
          auto x = bt.at("ids").to_vector<int64_t>(), y = bt.at("targets").to_vector<int64_t>();
          xs.insert(xs.end(), x.begin(), x.end());
          ys.insert(ys.end(), y.begin(), y.end());
          targets += bt.at("targets").numel();
        }
        CHECK(targets == n - 1);
        CHECK(eb.num_targets() == n - 1);
        CHECK(xs == std::vector<int64_t>(tok.begin(), tok.end() - 1));
        CHECK(ys == std::vector<int64_t>(tok.begin() + 1, tok.end()));
        CHECK(eval_batches(c, split, B, T).size() == static_cast<size_t>(eb.size()));
      }
    }
    EvalBatches eb(c, Split::val, 2, 5);
    CHECK_THROWS_AS(eb[eb.size()], IndexError);
    TextCorpus one = TextCorpus::from_text("x", "bytes", 0, 0);
    CHECK_THROWS_AS(EvalBatches(one, Split::train, 1, 4), DataError);
  }
}
