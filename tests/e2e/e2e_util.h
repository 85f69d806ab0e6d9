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

// binary: weft, or build/weft_ext (weft plus the tests/extension layer).
inline Result run(const std::string& args, const fs::path& cwd, const std::string& binary = WEFT_BINARY) {
  std::string cmd = "cd '" + cwd.string() + "' && OMP_NUM_THREADS=2 " + binary + " " + args + " 2>&1";
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

// Trains recipes/tiny.yaml (plus `sets`) for 40 steps straight into runs/straight
// and as --until 20 then resume into runs/split; every loss and the final
// weights must agree bit for bit. Returns the straight run's losses.
inline std::vector<double> check_resume_exact(const fs::path& dir, const std::string& sets = "") {
  Result a = run("train recipes/tiny.yaml --run-dir runs/straight" + sets, dir);
  INFO(a.out);
  REQUIRE(a.code == 0);
  Result b1 = run("train recipes/tiny.yaml --run-dir runs/split --until 20" + sets, dir);
  INFO(b1.out);
  REQUIRE(b1.code == 0);
  CHECK(read_file(dir / "runs/split/checkpoints/LATEST").rfind("step_00000020", 0) == 0);
  Result b2 = run("resume runs/split", dir);
  INFO(b2.out);
  REQUIRE(b2.code == 0);
  auto la = train_losses(dir / "runs/straight"), lb = train_losses(dir / "runs/split");
  REQUIRE(la.size() == 40);
  REQUIRE(lb.size() == 40);
  for (size_t i = 0; i < la.size(); ++i) {
    INFO("step " << i + 1);
    CHECK(la[i] == lb[i]);
  }
  CHECK(final_weights(dir / "runs/straight") == final_weights(dir / "runs/split"));
  return la;
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
