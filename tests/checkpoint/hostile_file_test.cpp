// Hostile checkpoint files: a FIFO, a device or a folder in place of a file is
// refused by name without blocking; a safetensors header nested 100,000 deep, or
// holding a huge value, fails with a short message instead of overflowing the
// stack (finding 2) or quoting megabytes.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "weft/checkpoint/checkpoint.h"
#include "weft/checkpoint/safetensors.h"
#include "weft/core/error.h"

using namespace weft;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path path;
  Scratch() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() / ("weft_hostile_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void write_raw_safetensors(const fs::path& p, const std::string& header, size_t data_len) {
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  write_bytes(p, len + header + std::string(data_len, '\0'));
}

template <typename F>
std::string checkpoint_error(F&& f) {
  try {
    f();
  } catch (const CheckpointError& e) {
    return e.what();
  }
  return "(no CheckpointError thrown)";
}

// A regression would block in open() forever: SIGALRM's default action ends the
// test binary instead, which fails the suite.
struct HangGuard {
  HangGuard() { ::alarm(60); }
  ~HangGuard() { ::alarm(0); }
};

}  // namespace

TEST_SUITE("checkpoint_hostile") {
  TEST_CASE("a 100,000-deep JSON array in a safetensors header is refused with a short message") {
    Scratch s;
    const fs::path f = s.path / "deep.safetensors";
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    write_raw_safetensors(f, R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "x": )" + deep + "}", 4);
    for (int reader = 0; reader < 2; ++reader) {
      const std::string m = checkpoint_error([&] {
        if (reader == 0)
          (void)read_safetensors(f);
        else
          (void)read_safetensors_metadata(f);
      });
      INFO(m.substr(0, 300));
      CHECK(m.find("deep.safetensors") != std::string::npos);
      CHECK(m.find("nests deeper than") != std::string::npos);
      CHECK(m.size() < 500);
    }
    // Deep inside an entry, and deep objects, too.
    write_raw_safetensors(f, R"({"t": {"dtype": "F32", "shape": )" + deep + R"(, "data_offsets": [0, 4]}})", 4);
    CHECK(checkpoint_error([&] { (void)read_safetensors(f); }).find("nests deeper") != std::string::npos);
    std::string objs;
    for (int i = 0; i < 50000; ++i) objs += R"({"a": )";
    objs += "1" + std::string(50000, '}');
    write_raw_safetensors(f, R"({"x": )" + objs + "}", 0);
    CHECK(checkpoint_error([&] { (void)read_safetensors(f); }).find("nests deeper") != std::string::npos);
  }

  TEST_CASE("error messages quote at most a short prefix of a huge header value") {
    Scratch s;
    const fs::path f = s.path / "big.safetensors";
    std::string shape = "[";
    for (int i = 0; i < 200000; ++i) shape += "1, ";
    shape += "-1]";
    write_raw_safetensors(f, R"({"t": {"dtype": "F32", "shape": )" + shape + R"(, "data_offsets": [0, 4]}})", 4);
    std::string m = checkpoint_error([&] { (void)read_safetensors(f); });
    INFO(m.substr(0, 300));
    CHECK(m.find("\"shape\" must be a list of non-negative integers, got [1, 1, ") != std::string::npos);
    CHECK(m.find("...") != std::string::npos);
    CHECK(m.size() < 500);
    // A huge entry that is not an object, and a huge metadata value.
    write_raw_safetensors(f, R"({"t": ")" + std::string(1000000, 'x') + R"("})", 0);
    m = checkpoint_error([&] { (void)read_safetensors(f); });
    CHECK(m.find("is not an object") != std::string::npos);
    CHECK(m.size() < 500);
    write_raw_safetensors(f, R"({"__metadata__": {"k": )" + shape + "}}", 0);
    m = checkpoint_error([&] { (void)read_safetensors_metadata(f); });
    CHECK(m.find("is not a string") != std::string::npos);
    CHECK(m.size() < 500);
  }

  TEST_CASE("a FIFO, a device or a folder in place of a checkpoint file is refused by name, without blocking") {
    HangGuard guard;
    Scratch s;
    const fs::path fifo = s.path / "model.safetensors";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string m = checkpoint_error([&] { (void)read_safetensors(fifo); });
    CHECK(m.find("model.safetensors") != std::string::npos);
    CHECK(m.find("FIFO") != std::string::npos);
    m = checkpoint_error([&] { (void)read_safetensors("/dev/zero"); });
    CHECK(m.find("/dev/zero") != std::string::npos);
    CHECK(m.find("character device") != std::string::npos);
    m = checkpoint_error([&] { (void)read_safetensors(s.path); });
    CHECK(m.find("folder") != std::string::npos);

    // state.json and LATEST as FIFOs: resolution and loading refuse them too.
    const fs::path run = s.path / "run", ck = run / "checkpoints", step = ck / "step_00000001";
    fs::create_directories(step);
    REQUIRE(::mkfifo((ck / "LATEST").c_str(), 0600) == 0);
    m = checkpoint_error([&] { (void)resolve_checkpoint(run); });
    CHECK(m.find("LATEST") != std::string::npos);
    CHECK(m.find("FIFO") != std::string::npos);
    REQUIRE(::mkfifo((step / "state.json").c_str(), 0600) == 0);
    m = checkpoint_error([&] { (void)load_checkpoint(step); });
    CHECK(m.find("state.json") != std::string::npos);
    CHECK(m.find("FIFO") != std::string::npos);
  }

  TEST_CASE("state.json nested 100,000 deep, or with a huge \"format\", is refused with a short message") {
    Scratch s;
    const fs::path step = s.path / "step_00000001";
    fs::create_directories(step);
    write_bytes(step / "state.json", R"({"format": )" + std::string(100000, '[') + std::string(100000, ']') + "}");
    std::string m = checkpoint_error([&] { (void)load_checkpoint(step); });
    INFO(m.substr(0, 300));
    CHECK(m.find("state.json") != std::string::npos);
    CHECK(m.find("nests deeper than") != std::string::npos);
    CHECK(m.size() < 500);
    std::string big = "[";
    for (int i = 0; i < 100000; ++i) big += "12345, ";
    big += "0]";
    write_bytes(step / "state.json", R"({"format": )" + big + "}");
    m = checkpoint_error([&] { (void)load_checkpoint(step); });
    CHECK(m.find("\"format\" is [12345, 12345") != std::string::npos);
    CHECK(m.size() < 500);
  }

  TEST_CASE("a state.json number too large for a double is a CheckpointError, not a raw JSON exception (fuzz find)") {
    // nlohmann::json throws out_of_range (not parse_error) for 1e999; found by
    // checkpoint_fuzz (tests/fuzz/seeds/checkpoint_fuzz/number_overflow.json).
    Scratch s;
    const fs::path step = s.path / "step_00000001";
    fs::create_directories(step);
    write_bytes(step / "state.json", R"({"format": "weft-checkpoint-1", "seed": 11400714819323e98486})");
    const std::string m = checkpoint_error([&] { (void)load_checkpoint(step); });
    CHECK(m.find("state.json") != std::string::npos);
    CHECK(m.find("is not valid JSON") != std::string::npos);
    CHECK(m.find("number overflow") != std::string::npos);
  }

  TEST_CASE("state.json's own checksum: an edit is refused naming state_xxh3; format 1 without it still loads") {
    Scratch s;
    CheckpointContents c;
    c.model.emplace_back("w", Tensor::ones({2}, DType::f32));
    c.optim.emplace_back("m", Tensor::zeros({2}, DType::f32));
    c.state = {{"step", 3}, {"tokens", 12}};
    const fs::path step = CheckpointWriter(s.path / "checkpoints", 0).save(3, c);
    const std::string text = read_text(step / "state.json");
    nlohmann::json st = nlohmann::json::parse(text);
    REQUIRE(st["state_xxh3"].is_string());
    CHECK(load_checkpoint(step).state["tokens"] == 12);

    // One digit changed, the checksum left as it was (finding 8: state.json had none).
    nlohmann::json edited = st;
    edited["tokens"] = 13;
    write_bytes(step / "state.json", edited.dump(2));
    std::string m = checkpoint_error([&] { (void)load_checkpoint(step); });
    CHECK(m.find("state.json") != std::string::npos);
    CHECK(m.find("state_xxh3") != std::string::npos);
    // Resealed, the same edit loads (the checksum is what caught it).
    edited["state_xxh3"] = state_checksum(edited);
    write_bytes(step / "state.json", edited.dump());
    CHECK(load_checkpoint(step).state["tokens"] == 13);

    // Format 2 without the checksum: refused naming the missing field.
    nlohmann::json bare = st;
    bare.erase("state_xxh3");
    write_bytes(step / "state.json", bare.dump());
    m = checkpoint_error([&] { (void)load_checkpoint(step); });
    CHECK(m.find("\"state_xxh3\"") != std::string::npos);
    CHECK(m.find("missing") != std::string::npos);
    // Format 1 (written before the checksum existed) loads without it.
    bare["format"] = "weft-checkpoint-1";
    write_bytes(step / "state.json", bare.dump());
    CHECK(load_checkpoint(step).state["step"] == 3);
    // A checksum that is not a string is refused too.
    bare["format"] = kCheckpointFormat;
    bare["state_xxh3"] = 7;
    write_bytes(step / "state.json", bare.dump());
    m = checkpoint_error([&] { (void)load_checkpoint(step); });
    CHECK(m.find("not a string") != std::string::npos);
  }
}
