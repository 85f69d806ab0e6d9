// defines: open_regular_file, read_regular_file — the one way weft opens a file
// it reads (recipes, checkpoints, corpora), so that a FIFO, a device or a folder
// given in place of a file is refused by name instead of blocking open()
// forever (a FIFO without a writer) or reading without end (/dev/zero).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace weft {

struct OpenedFile {
  int fd = -1;            // owned by the caller (close it); -1 when refused
  uint64_t size = 0;      // st_size at open
  std::string problem;    // empty when fd >= 0: "is a FIFO", "is a folder", "No such file or directory", ...
};

// Opens `file` read-only and never blocks (O_NONBLOCK until fstat shows a regular
// file); anything but a regular file (after following links) is refused.
OpenedFile open_regular_file(const std::filesystem::path& file);

// The whole contents of a regular file of at most `max_bytes` bytes; on refusal
// returns "" and sets *problem (e.g. "is a character device", "is 3000000 bytes,
// over the 1048576-byte limit"). Callers wrap *problem in their own error type.
std::string read_regular_file(const std::filesystem::path& file, uint64_t max_bytes, std::string* problem);

}  // namespace weft
