// defines: FileDigest, digest_file, hex64 — the size and XXH3 checksum that
// state.json records for each checkpoint file (internal to src/checkpoint).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace weft::ckpt_io {

struct FileDigest {
  uint64_t size = 0;
  uint64_t xxh3 = 0;  // XXH3_64bits, seed 0, over the whole file
};

// XXH3 of a string (seed 0).
uint64_t xxh3_of(const std::string& text);

// Streams the file through XXH3 (1 MiB at a time). CheckpointError on I/O failure.
FileDigest digest_file(const std::filesystem::path& file);

// 16 lowercase hex digits, most significant first: the canonical form that
// `xxhsum -H3` prints, so a checksum can be verified without weft.
std::string hex64(uint64_t v);

}  // namespace weft::ckpt_io
