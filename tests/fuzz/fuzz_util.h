// Shared by the libFuzzer harnesses (scripts/fuzz.sh): a per-process scratch
// folder, writing an input to a file there, and the one rule every harness
// checks — hostile input may only end in a weft::Error (a precise, typed error
// the CLI maps to an exit code); anything else (another exception, a crash, a
// hang, unbounded memory) is a finding.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "weft/core/error.h"

namespace weft::fuzz {

namespace fs = std::filesystem;

// In /dev/shm when there is one: rewriting a file with O_TRUNC on ext4 forces a
// writeback at close (auto_da_alloc), which cost ~1 ms per input.
inline const fs::path& scratch() {
  struct Dir {
    fs::path path;
    Dir() {
      std::error_code ec;
      const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
      path = base / ("weft_fuzz_" + std::to_string(::getpid()));
      fs::create_directories(path);
    }
    ~Dir() {  // at exit; a crash leaves it (the input is in the artifact anyway)
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

inline void write(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs f; a weft::Error is the expected outcome of bad input, anything else aborts
// (libFuzzer then saves the input as a crash).
template <typename F>
void expect_only_weft_errors(F&& f) {
  try {
    f();
  } catch (const weft::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: non-weft exception escaped: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: non-std exception escaped\n");
    std::abort();
  }
}

}  // namespace weft::fuzz
