// XXH3 file checksums. xxhash is used in header-only mode (XXH_INLINE_ALL): the
// hash is compiled into this file, so weft needs libxxhash-dev's header but no
// link-time library.
//
// GCC 12 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics
// (`__m512i __Y = __Y;` in _mm512_undefined_epi32) once XXH3's vector loop is
// inlined here under -march=native; that is a known false positive, silenced for
// this file only. The pragma must precede every include so that it covers them.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"  // the same false positive via the one-shot XXH3_64bits
#endif
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "file_digest.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "durable_io.h"
#include "weft/core/error.h"

namespace weft::ckpt_io {

FileDigest digest_file(const std::filesystem::path& file) {
  uint64_t size = 0;
  const Fd fd = open_read(file, &size);
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  WEFT_CHECK(state != nullptr, CheckpointError, "cannot allocate the XXH3 state to checksum '", file.string(), "'");
  XXH3_64bits_reset(state.get());
  std::vector<char> buf(size_t{1} << 20);
  for (uint64_t pos = 0; pos < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - pos));
    read_exact_at(fd, buf.data(), n, pos, file);
    XXH3_64bits_update(state.get(), buf.data(), n);
    pos += n;
  }
  return {size, XXH3_64bits_digest(state.get())};
}

uint64_t xxh3_of(const std::string& text) { return XXH3_64bits(text.data(), text.size()); }

std::string hex64(uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = digits[v & 0xF];
  return s;
}

}  // namespace weft::ckpt_io
