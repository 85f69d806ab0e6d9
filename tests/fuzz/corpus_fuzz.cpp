// The corpus readers: TextCorpus::load of a file (bytes or chars by the first
// input byte, so both vocabularies and the UTF-8 check are reached), with the
// split fractions taken from the second byte.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "weft/data/text_dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const char* kind = (data[0] & 1) ? "chars" : "bytes";
  const double val = static_cast<double>(data[1] % 64) / 128.0;  // [0, 0.5)
  const auto file = weft::fuzz::scratch() / "corpus.txt";
  weft::fuzz::write(file, std::string_view(reinterpret_cast<const char*>(data + 2), size - 2));
  weft::fuzz::expect_only_weft_errors([&] {
    weft::TextCorpus c = weft::TextCorpus::load(file, kind, val, 0.0);
    (void)c.vocab_size();
  });
  return 0;
}
