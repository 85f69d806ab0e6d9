// Helpers for the end-to-end CLI tests: a scratch folder, a tiny corpus and
// recipe, and running the weft binary with its exit code and output.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace weft::e2e {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out;  // stdout and stderr together
};

inline Result run(const std::string& args, const fs::path& cwd) {
  std::string cmd = "cd '" + cwd.string() + "' && OMP_NUM_THREADS=2 " + std::string(WEFT_BINARY) + " " + args + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

// One field of every train record in RUN/metrics.jsonl, in order.
template <typename T>
std::vector<T> train_field(const fs::path& run, const char* key) {
  std::vector<T> out;
  std::ifstream f(run / "metrics.jsonl");
  std::string line;
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["kind"] == "train") out.push_back(j[key].get<T>());
  }
  return out;
}
inline std::vector<double> train_losses(const fs::path& run) { return train_field<double>(run, "loss"); }
inline std::vector<int64_t> train_steps(const fs::path& run) { return train_field<int64_t>(run, "step"); }

// RUN/checkpoints/step_N/model.safetensors, as bytes.
inline std::string final_weights(const fs::path& run, int step = 40) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%08d", step);
  return read_file(run / "checkpoints" / name / "model.safetensors");
}

// A scratch folder with data/tiny.txt (~60 KB of generated English-like text)
// and recipes/tiny.yaml (a 2-layer byte model that takes a fraction of a second per step).
struct Scratch {
  fs::path dir;
  explicit Scratch(const std::string& name) {
    dir = fs::temp_directory_path() / ("weft_e2e_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "data");
    std::string text;
    const char* words[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "and", "a",
                           "cat", "sat", "on", "mat", "while", "birds", "sing", "in", "trees", "today"};
    uint64_t x = 12345;
    while (text.size() < 60000) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      text += words[(x >> 33) % 20];
      text += ((x >> 20) % 11 == 0) ? ".\n" : " ";
    }
    write_file(dir / "data/tiny.txt", text);
    write_file(dir / "recipes/tiny.yaml", R"(seed: 3
model:
  type: gpt
  d_model: 32
  n_layers: 2
  n_heads: 2
  seq_len: 32
  block: { type: pre_ln, dropout: 0.1 }
optim: { type: adamw, lr: 3.0e-3 }
schedule: { type: cosine, warmup: 5 }
data: { type: bytes, path: data/tiny.txt, val_fraction: 0.1 }
train: { steps: 40, batch: 4, log_every: 1, eval_every: 10, eval_batches: 4, ckpt_every: 10, keep: 2 }
)");
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace weft::e2e
