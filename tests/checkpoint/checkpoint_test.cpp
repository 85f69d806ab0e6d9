// Tests for safetensors files and checkpoint folders: exact round-trips, the
// on-disk layout, retention, resolution, and that every kind of damage is refused
// with a CheckpointError naming the file (never a silent load or fallback).
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "weft/checkpoint/checkpoint.h"
#include "weft/checkpoint/safetensors.h"
#include "weft/ops/shape_ops.h"

using namespace weft;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// A fresh folder under the system temp dir, removed with everything in it.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("weft_ckpt_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

uint64_t le64(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
  return n;
}

std::string le64_bytes(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return s;
}

// A safetensors file from a raw header text and `data_len` zero data bytes.
void write_raw_safetensors(const fs::path& p, const std::string& header, size_t data_len) {
  write_bytes(p, le64_bytes(header.size()) + header + std::string(data_len, '\0'));
}

// The message of the CheckpointError `f` throws, or a note that it threw none.
template <typename F>
std::string checkpoint_error(F&& f) {
  try {
    f();
  } catch (const CheckpointError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not a CheckpointError> ") + e.what();
  }
  return "<no exception>";
}

bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

const Tensor* find(const NamedTensors& ts, const std::string& name) {
  for (const auto& [n, t] : ts)
    if (n == name) return &t;
  return nullptr;
}

// Same name set, dtypes, shapes and bytes (the reference made contiguous first).
void check_identical(const NamedTensors& expected, const NamedTensors& got) {
  REQUIRE(got.size() == expected.size());
  for (const auto& [name, t] : expected) {
    CAPTURE(name);
    const Tensor* g = find(got, name);
    REQUIRE(g != nullptr);
    CHECK(g->dtype() == t.dtype());
    CHECK(g->shape() == t.shape());
    CHECK(g->is_contiguous());
    const Tensor ref = t.is_contiguous() ? t : t.clone();
    REQUIRE(g->nbytes() == ref.nbytes());
    if (ref.nbytes() > 0) CHECK(std::memcmp(g->raw_data(), ref.raw_data(), ref.nbytes()) == 0);
  }
}

Tensor bf16_from_bits(const std::vector<uint16_t>& bits, const Shape& shape) {
  Tensor t = Tensor::empty(shape, DType::bf16);
  std::memcpy(t.raw_data(), bits.data(), bits.size() * sizeof(uint16_t));
  return t;
}

// A mix of dtypes, ranks and layouts, including the edge cases of the format.
NamedTensors sample_tensors() {
  Generator gen(7);
  Tensor wide = Tensor::normal({3, 4}, 0.0, 1.0, DType::f64, &gen);
  Tensor transposed = transpose(wide, 0, 1);  // a non-contiguous view
  REQUIRE(!transposed.is_contiguous());
  return {
      {"blocks.0.attn.qkv.weight", Tensor::normal({3, 5}, 0.0, 0.02, DType::f32, &gen)},
      {"blocks.0.ln.bias", Tensor::from_vector<double>({1.5, -2.25, 1e-300, 3e300}, {4})},
      {"step_counter", Tensor::scalar(42.0, DType::i64)},
      {"scale", Tensor::scalar(0.125, DType::f32)},
      {"empty.f32", Tensor::empty({0, 3}, DType::f32)},
      {"empty.i64", Tensor::empty({0}, DType::i64)},
      {"tokens", Tensor::arange(7, DType::i64)},
      {"ids32", Tensor::from_vector<int32_t>({-1, 2, 2147483647}, {3})},
      {"half.bf16", bf16_from_bits({0x3F80, 0x4000, 0xBF00}, {3})},
      {"transposed", transposed},
  };
}

CheckpointContents sample_contents(double marker) {
  CheckpointContents c;
  c.model = {{"embed.weight", Tensor::full({4, 3}, marker, DType::f32)},
             {"head.bias", Tensor::from_vector<float>({1.f, 2.f}, {2})}};
  c.optim = {{"adamw.m.embed.weight", Tensor::full({4, 3}, marker / 2, DType::f32)},
             {"adamw.step", Tensor::scalar(marker, DType::i64)}};
  c.state = {{"step", static_cast<int64_t>(marker)}, {"rng", {{"seed", 1}, {"offset", 12}}}, {"lr", 0.001}};
  return c;
}

std::string read_latest(const fs::path& ckdir) { return read_bytes(ckdir / "LATEST"); }

}  // namespace

TEST_SUITE("checkpoint") {
  TEST_CASE("safetensors round-trip is bit-identical for every dtype, rank-0, empty and strided tensors") {
    TempDir tmp;
    const fs::path file = tmp.path / "t.safetensors";
    const NamedTensors in = sample_tensors();
    write_safetensors(file, in, {{"format", "pt"}, {"note", "héllo"}});
    const NamedTensors out = read_safetensors(file);
    check_identical(in, out);
    CHECK(find(out, "scale")->dim() == 0);
    CHECK(find(out, "empty.f32")->shape() == Shape{0, 3});
    CHECK(find(out, "transposed")->shape() == Shape{4, 3});
    const auto meta = read_safetensors_metadata(file);
    CHECK(meta == std::map<std::string, std::string>{{"format", "pt"}, {"note", "héllo"}});

    // Same input, same bytes: the layout does not depend on the input order.
    NamedTensors reversed(in.rbegin(), in.rend());
    write_safetensors(tmp.path / "r.safetensors", reversed, {{"format", "pt"}, {"note", "héllo"}});
    CHECK(read_bytes(file) == read_bytes(tmp.path / "r.safetensors"));
  }

  TEST_CASE("safetensors header layout follows the reference writer") {
    TempDir tmp;
    const fs::path file = tmp.path / "t.safetensors";
    write_safetensors(file, sample_tensors(), {{"format", "pt"}});
    const std::string bytes = read_bytes(file);
    REQUIRE(bytes.size() >= 8);
    const uint64_t n = le64(bytes);
    CHECK(n % 8 == 0);
    REQUIRE(n + 8 <= bytes.size());
    CHECK(bytes[8] == '{');
    const std::string header = bytes.substr(8, n);
    CHECK(header.find_last_not_of(' ') + 1 > header.size() - 8);  // padding is under 8 spaces

    const auto h = nlohmann::ordered_json::parse(header);
    REQUIRE(h.is_object());
    CHECK(h.begin().key() == "__metadata__");
    CHECK(h["__metadata__"] == nlohmann::ordered_json{{"format", "pt"}});

    // Entries appear in data order; offsets tile the data section exactly, by
    // descending dtype size and then name.
    const uint64_t data_len = bytes.size() - 8 - n;
    uint64_t pos = 0;
    size_t prev_size = 8;
    std::string prev_name;
    const std::map<std::string, size_t> sizes = {{"F64", 8}, {"I64", 8}, {"F32", 4}, {"I32", 4}, {"BF16", 2}};
    int count = 0;
    for (const auto& [name, e] : h.items()) {
      if (name == "__metadata__") continue;
      CAPTURE(name);
      REQUIRE(e.contains("dtype"));
      const size_t sz = sizes.at(e["dtype"].get<std::string>());
      CHECK((sz < prev_size || (sz == prev_size && prev_name < name)));
      CHECK(e["data_offsets"][0].get<uint64_t>() == pos);
      uint64_t numel = 1;
      for (const auto& d : e["shape"]) numel *= d.get<uint64_t>();
      pos = e["data_offsets"][1].get<uint64_t>();
      CHECK(pos - e["data_offsets"][0].get<uint64_t>() == numel * sz);
      prev_size = sz;
      prev_name = name;
      ++count;
    }
    CHECK(count == 10);
    CHECK(pos == data_len);
    CHECK(h["scale"]["shape"] == nlohmann::ordered_json::array());
    CHECK(h["transposed"]["shape"] == nlohmann::ordered_json{4, 3});
  }

  TEST_CASE("write_safetensors refuses duplicate and reserved names, naming the file") {
    TempDir tmp;
    const fs::path file = tmp.path / "dup.safetensors";
    const Tensor t = Tensor::zeros({2});
    std::string m = checkpoint_error([&] { write_safetensors(file, {{"a", t}, {"b", t}, {"a", t}}); });
    CHECK_MESSAGE(has(m, file.string()), m);
    CHECK_MESSAGE(has(m, "'a' appears more than once"), m);
    m = checkpoint_error([&] { write_safetensors(file, {{"__metadata__", t}}); });
    CHECK_MESSAGE(has(m, "reserved"), m);
    CHECK(!fs::exists(file));
    m = checkpoint_error([&] { write_safetensors(tmp.path / "no_such_dir" / "x.safetensors", {{"a", t}}); });
    CHECK_MESSAGE(has(m, "no_such_dir"), m);
  }

  TEST_CASE("damaged or malformed safetensors files are refused with a message naming the file") {
    TempDir tmp;
    const fs::path file = tmp.path / "bad.safetensors";
    auto expect = [&](const std::string& what) {
      const std::string m = checkpoint_error([&] { (void)read_safetensors(file); });
      CHECK_MESSAGE(has(m, file.string()), m);
      CHECK_MESSAGE(has(m, what), m);
      const std::string m2 = checkpoint_error([&] { (void)read_safetensors_metadata(file); });
      CHECK_MESSAGE(has(m2, what), m2);
    };
    const std::string f32x2 = R"("t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";

    SUBCASE("missing file") {
      expect("No such file");
    }
    SUBCASE("shorter than 8 bytes") {
      write_bytes(file, "abc");
      expect("shorter than the 8-byte header length");
    }
    SUBCASE("absurd header length") {
      write_bytes(file, le64_bytes(uint64_t{1} << 40) + "{}");
      expect("exceeds the limit");
    }
    SUBCASE("header length past the end of the file") {
      write_bytes(file, le64_bytes(64) + "{}");
      expect("is larger than the 2 bytes after the length field");
    }
    SUBCASE("header garbage") {
      write_raw_safetensors(file, "{garbage!", 0);
      expect("not valid JSON");
    }
    SUBCASE("header does not start with a brace") {
      write_raw_safetensors(file, "  {}    ", 0);
      expect("does not start with '{'");
    }
    SUBCASE("header is not an object") {
      write_raw_safetensors(file, "[1, 2] ", 0);
      expect("does not start with '{'");
    }
    SUBCASE("unknown dtype") {
      write_raw_safetensors(file, R"({"t": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}})", 8);
      expect("unknown dtype 'Q7'");
    }
    SUBCASE("valid but unsupported dtype") {
      write_raw_safetensors(file, R"({"t": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})", 2);
      expect("dtype U8, which weft does not support");
    }
    SUBCASE("negative dimension") {
      write_raw_safetensors(file, R"({"t": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8);
      expect("list of non-negative integers");
    }
    SUBCASE("shape not a list") {
      write_raw_safetensors(file, R"({"t": {"dtype": "F32", "shape": 2, "data_offsets": [0, 8]}})", 8);
      expect("list of non-negative integers");
    }
    SUBCASE("fractional dimension") {
      write_raw_safetensors(file, R"({"t": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}})", 8);
      expect("list of non-negative integers");
    }
    SUBCASE("byte size does not match the shape") {
      write_raw_safetensors(file, R"({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8);
      expect("needs 12");
    }
    SUBCASE("malformed offsets") {
      write_raw_safetensors(file, R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [8]}})", 8);
      expect("\"data_offsets\" must be [begin, end]");
    }
    SUBCASE("hole in the data") {
      write_raw_safetensors(file, R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12);
      expect("belong to no tensor");
    }
    SUBCASE("overlapping tensors") {
      write_raw_safetensors(
          file, "{" + f32x2 + R"(, "u": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12);
      expect("overlaps tensor 't'");
    }
    SUBCASE("trailing bytes") {
      write_raw_safetensors(file, "{" + f32x2 + "}", 12);
      expect("4 trailing bytes");
    }
    SUBCASE("truncated data") {
      write_safetensors(file, sample_tensors());
      const std::string bytes = read_bytes(file);
      write_bytes(file, bytes.substr(0, bytes.size() - 4));
      expect("truncated file");
    }
    SUBCASE("duplicate keys") {
      write_raw_safetensors(file, "{" + f32x2 + ", " + f32x2 + "}", 8);
      expect("key 't' more than once");
    }
    SUBCASE("metadata that is not string to string") {
      write_raw_safetensors(file, R"({"__metadata__": {"n": 3}})", 0);
      expect("\"__metadata__\" value of 'n' is not a string");
    }
  }

  TEST_CASE("a saved checkpoint loads back exactly and records sizes and checksums") {
    TempDir tmp;
    const fs::path run = tmp.path / "run";
    CheckpointWriter writer(run / "checkpoints", 3);
    CheckpointContents c = sample_contents(5);
    c.model = sample_tensors();
    const fs::path dir = writer.save(5, c);
    CHECK(dir == run / "checkpoints" / "step_00000005");
    CHECK(read_latest(run / "checkpoints") == "step_00000005\n");
    for (const char* f : {"model.safetensors", "optim.safetensors", "state.json"}) CHECK(fs::exists(dir / f));

    const json state = json::parse(read_bytes(dir / "state.json"));
    CHECK(state["format"] == "weft-checkpoint-2");
    CHECK(state["state_xxh3"] == state_checksum(state));
    CHECK(state["step"] == 5);
    CHECK(state["rng"]["offset"] == 12);
    for (const char* f : {"model.safetensors", "optim.safetensors"}) {
      CAPTURE(f);
      CHECK(state["files"][f]["size"].get<uint64_t>() == fs::file_size(dir / f));
      const std::string h = state["files"][f]["xxh3"].get<std::string>();
      CHECK(h.size() == 16);
      CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
    }
    CHECK(read_safetensors_metadata(dir / "model.safetensors").at("format") == "pt");

    CHECK(resolve_checkpoint(run) == dir);
    CHECK(resolve_checkpoint(run / "checkpoints") == dir);
    CHECK(resolve_checkpoint(dir) == dir);
    const CheckpointContents back = load_checkpoint(resolve_checkpoint(run));
    check_identical(c.model, back.model);
    check_identical(c.optim, back.optim);
    CHECK(back.state["step"] == 5);
    CHECK(back.state["lr"] == 0.001);

    // No temporary leftovers after a successful save.
    for (const auto& e : fs::directory_iterator(run / "checkpoints"))
      CHECK_MESSAGE(!e.path().filename().string().starts_with(".tmp_"), e.path().string());
  }

  TEST_CASE("keep=2 retention deletes the oldest checkpoints; keep=0 keeps all") {
    TempDir tmp;
    const fs::path ck = tmp.path / "checkpoints";
    CheckpointWriter writer(ck, 2);
    for (int s : {10, 20, 30}) writer.save(s, sample_contents(s));
    CHECK(!fs::exists(ck / "step_00000010"));
    CHECK(fs::exists(ck / "step_00000020"));
    CHECK(fs::exists(ck / "step_00000030"));
    CHECK(read_latest(ck) == "step_00000030\n");
    writer.save(40, sample_contents(40));
    CHECK(!fs::exists(ck / "step_00000020"));
    CHECK(load_checkpoint(resolve_checkpoint(ck)).state["step"] == 40);

    const fs::path all = tmp.path / "all";
    CheckpointWriter keep_all(all, 0);
    for (int s : {1, 2, 3, 4}) keep_all.save(s, sample_contents(s));
    for (int s : {1, 2, 3, 4}) CHECK(fs::exists(all / checkpoint_folder_name(s)));

    CHECK_THROWS_AS(CheckpointWriter(ck, -1), ValueError);
  }

  TEST_CASE("re-saving a step replaces that checkpoint") {
    TempDir tmp;
    const fs::path ck = tmp.path / "checkpoints";
    CheckpointWriter writer(ck, 0);
    writer.save(7, sample_contents(1));
    writer.save(7, sample_contents(2));
    const CheckpointContents back = load_checkpoint(ck / "step_00000007");
    CHECK(back.state["step"] == 2);
    CHECK(find(back.model, "embed.weight")->to_vector<float>()[0] == 2.f);
    for (const auto& e : fs::directory_iterator(ck)) CHECK(!e.path().filename().string().starts_with(".tmp_"));
  }

  TEST_CASE("a failed save leaves the previous checkpoint and LATEST untouched") {
    TempDir tmp;
    const fs::path ck = tmp.path / "checkpoints";
    CheckpointWriter writer(ck, 0);
    writer.save(1, sample_contents(1));
    CheckpointContents bad = sample_contents(2);
    bad.optim.push_back(bad.optim.front());  // duplicate name: the writer refuses it
    CHECK_THROWS_AS(writer.save(2, bad), CheckpointError);
    CHECK(!fs::exists(ck / "step_00000002"));
    CHECK(read_latest(ck) == "step_00000001\n");
    CHECK(load_checkpoint(resolve_checkpoint(ck)).state["step"] == 1);
    for (const auto& e : fs::directory_iterator(ck)) CHECK(!e.path().filename().string().starts_with(".tmp_"));
  }

  TEST_CASE("`from` selects an older checkpoint, and never falls back") {
    TempDir tmp;
    const fs::path run = tmp.path / "run";
    CheckpointWriter writer(run / "checkpoints", 0);
    for (int s : {20, 40}) writer.save(s, sample_contents(s));
    CHECK(resolve_checkpoint(run) == run / "checkpoints" / "step_00000040");
    CHECK(resolve_checkpoint(run, "step_00000020") == run / "checkpoints" / "step_00000020");
    CHECK(resolve_checkpoint(run / "checkpoints", "20") == run / "checkpoints" / "step_00000020");
    CHECK(load_checkpoint(resolve_checkpoint(run, "step_00000020")).state["step"] == 20);

    std::string m = checkpoint_error([&] { (void)resolve_checkpoint(run, "step_00000030"); });
    CHECK_MESSAGE(has(m, (run / "checkpoints" / "step_00000030").string()), m);
    CHECK_MESSAGE(has(m, "does not exist"), m);
    m = checkpoint_error([&] { (void)resolve_checkpoint(run, "../elsewhere"); });
    CHECK_MESSAGE(has(m, "not a checkpoint folder name"), m);
    m = checkpoint_error([&] { (void)resolve_checkpoint(run / "checkpoints" / "step_00000040", "20"); });
    CHECK_MESSAGE(has(m, "is itself a checkpoint folder"), m);
  }

  TEST_CASE("a leftover .tmp_ folder is ignored by resolve and removed by the next save") {
    TempDir tmp;
    const fs::path ck = tmp.path / "checkpoints";
    CheckpointWriter writer(ck, 0);
    writer.save(1, sample_contents(1));
    // What a crash in the middle of saving step 2 leaves behind.
    const fs::path torn = ck / ".tmp_step_00000002_99999";
    fs::create_directories(torn);
    write_bytes(torn / "model.safetensors", "torn");
    write_bytes(torn / "state.json", "{\"step\": 2");
    CHECK(resolve_checkpoint(ck) == ck / "step_00000001");
    CHECK(load_checkpoint(resolve_checkpoint(ck)).state["step"] == 1);
    const std::string m = checkpoint_error([&] { (void)resolve_checkpoint(torn); });
    CHECK_MESSAGE(has(m, "unfinished checkpoint"), m);
    writer.save(3, sample_contents(3));
    CHECK(!fs::exists(torn));
    CHECK(resolve_checkpoint(ck) == ck / "step_00000003");
  }

  TEST_CASE("damaged checkpoints are refused with a CheckpointError naming the file") {
    TempDir tmp;
    const fs::path run = tmp.path / "run";
    const fs::path ck = run / "checkpoints";
    CheckpointWriter writer(ck, 0);
    const fs::path dir = writer.save(3, sample_contents(3));
    auto load_error = [&] { return checkpoint_error([&] { (void)load_checkpoint(resolve_checkpoint(run)); }); };

    SUBCASE("truncated model.safetensors") {
      const std::string bytes = read_bytes(dir / "model.safetensors");
      write_bytes(dir / "model.safetensors", bytes.substr(0, bytes.size() - 5));
      const std::string m = load_error();
      CHECK_MESSAGE(has(m, (dir / "model.safetensors").string()), m);
      CHECK_MESSAGE(has(m, "truncated"), m);
    }
    SUBCASE("a flipped byte in the data is caught by the checksum") {
      std::string bytes = read_bytes(dir / "optim.safetensors");
      bytes[bytes.size() - 3] = static_cast<char>(bytes[bytes.size() - 3] ^ 0x10);
      write_bytes(dir / "optim.safetensors", bytes);
      const std::string m = load_error();
      CHECK_MESSAGE(has(m, (dir / "optim.safetensors").string()), m);
      CHECK_MESSAGE(has(m, "XXH3"), m);
      CHECK_MESSAGE(has(m, "corrupted"), m);
    }
    SUBCASE("missing optim.safetensors") {
      fs::remove(dir / "optim.safetensors");
      const std::string m = load_error();
      CHECK_MESSAGE(has(m, (dir / "optim.safetensors").string()), m);
      CHECK_MESSAGE(has(m, "missing"), m);
    }
    SUBCASE("broken state.json") {
      write_bytes(dir / "state.json", "{\"step\": 3, \"files\": {");
      const std::string m = load_error();
      CHECK_MESSAGE(has(m, (dir / "state.json").string()), m);
      CHECK_MESSAGE(has(m, "not valid JSON"), m);
      CHECK_MESSAGE(has(m, "parse error"), m);
    }
    SUBCASE("state.json without checksums") {
      write_bytes(dir / "state.json", R"({"format": "weft-checkpoint-1", "step": 3})");
      const std::string m = load_error();
      CHECK_MESSAGE(has(m, "no \"files\" object"), m);
    }
    SUBCASE("missing step folder") {
      const fs::path gone = ck / "step_00000099";
      const std::string m = checkpoint_error([&] { (void)load_checkpoint(gone); });
      CHECK_MESSAGE(has(m, gone.string()), m);
      CHECK_MESSAGE(has(m, "does not exist"), m);
    }
    SUBCASE("LATEST pointing at a missing folder") {
      fs::remove_all(dir);
      const std::string m = checkpoint_error([&] { (void)resolve_checkpoint(run); });
      CHECK_MESSAGE(has(m, (ck / "LATEST").string()), m);
      CHECK_MESSAGE(has(m, "step_00000003"), m);
      CHECK_MESSAGE(has(m, "does not exist"), m);
    }
    SUBCASE("empty LATEST") {
      write_bytes(ck / "LATEST", "\n");
      const std::string m = checkpoint_error([&] { (void)resolve_checkpoint(run); });
      CHECK_MESSAGE(has(m, (ck / "LATEST").string()), m);
      CHECK_MESSAGE(has(m, "is empty"), m);
    }
    SUBCASE("missing LATEST") {
      fs::remove(ck / "LATEST");
      const std::string m = checkpoint_error([&] { (void)resolve_checkpoint(run); });
      CHECK_MESSAGE(has(m, (ck / "LATEST").string()), m);
      CHECK_MESSAGE(has(m, "missing"), m);
    }
    SUBCASE("missing run folder") {
      const std::string m = checkpoint_error([&] { (void)resolve_checkpoint(tmp.path / "no_run"); });
      CHECK_MESSAGE(has(m, (tmp.path / "no_run").string()), m);
      CHECK_MESSAGE(has(m, "does not exist"), m);
    }
    SUBCASE("a folder that holds no checkpoints") {
      fs::create_directories(tmp.path / "plain");
      const std::string m = checkpoint_error([&] { (void)resolve_checkpoint(tmp.path / "plain"); });
      CHECK_MESSAGE(has(m, "is not a run folder"), m);
    }
  }

  TEST_CASE("an independent Python reader loads weft's safetensors files") {
    // The python3 first on PATH may be a private one (pyenv, venv) without numpy.
    std::string python;
    for (const char* candidate : {"python3", "/usr/bin/python3"})
      if (std::system((std::string(candidate) + " -c 'import numpy' 2>/dev/null").c_str()) == 0) {
        python = candidate;
        break;
      }
    if (python.empty()) {
      MESSAGE("python3 with numpy is not available; skipping the cross-reader check");
      return;
    }
    TempDir tmp;
    const fs::path file = tmp.path / "model.safetensors";
    std::vector<float> w(6);
    for (size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i) - 0.5f;
    const NamedTensors tensors = {
        {"w", Tensor::from_vector(w, {2, 3})},                                  // sum 0.75
        {"wt", transpose(Tensor::from_vector(w, {2, 3}), 0, 1)},                // sum 0.75
        {"b", Tensor::from_vector<double>({1.5, -0.125, 8.0, 0.0}, {4})},        // sum 9.375
        {"idx", Tensor::arange(5, DType::i64)},                                 // sum 10
        {"s", Tensor::scalar(3.5, DType::f32)},                                 // sum 3.5
        {"e", Tensor::empty({0, 2}, DType::f32)},                               // sum 0
        {"h", bf16_from_bits({0x3F80, 0x4000, 0xBF00}, {3})},                   // 1 + 2 - 0.5
    };
    const std::map<std::string, double> sums = {{"w", 0.75}, {"wt", 0.75}, {"b", 9.375}, {"idx", 10.0},
                                                {"s", 3.5},  {"e", 0.0},   {"h", 2.5}};
    const std::map<std::string, std::string> dtypes = {{"w", "F32"}, {"wt", "F32"}, {"b", "F64"}, {"idx", "I64"},
                                                       {"s", "F32"}, {"e", "F32"},  {"h", "BF16"}};
    write_safetensors(file, tensors, {{"format", "pt"}});
    const std::string script = WEFT_SOURCE_DIR "/scripts/check_safetensors.py";
    const fs::path out = tmp.path / "out.txt";
    const std::string cmd = python + " '" + script + "' '" + file.string() + "' > '" + out.string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string printed = read_bytes(out);
    REQUIRE_MESSAGE(rc == 0, printed);

    std::istringstream lines(printed);
    std::string line;
    std::map<std::string, bool> seen;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cols;
      std::istringstream fields(line);
      for (std::string f; std::getline(fields, f, '\t');) cols.push_back(f);
      REQUIRE_MESSAGE(cols.size() == 4, line);
      CAPTURE(line);
      REQUIRE(sums.count(cols[0]) == 1);
      CHECK(cols[1] == dtypes.at(cols[0]));
      CHECK(std::stod(cols[3]) == sums.at(cols[0]));
      seen[cols[0]] = true;
    }
    CHECK(seen.size() == sums.size());
    CHECK(has(printed, "wt\tF32\t[3, 2]\t"));

    // The independent reader agrees that a truncated file is invalid.
    const std::string bytes = read_bytes(file);
    write_bytes(file, bytes.substr(0, bytes.size() - 2));
    CHECK(std::system(cmd.c_str()) != 0);
    CHECK(has(read_bytes(out), "truncated"));
  }
}
