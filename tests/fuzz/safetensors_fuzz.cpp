// The safetensors reader (tensors and metadata) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "weft/checkpoint/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto file = weft::fuzz::scratch() / "model.safetensors";
  weft::fuzz::write(file, std::string_view(reinterpret_cast<const char*>(data), size));
  weft::fuzz::expect_only_weft_errors([&] { (void)weft::read_safetensors(file); });
  weft::fuzz::expect_only_weft_errors([&] { (void)weft::read_safetensors_metadata(file); });
  return 0;
}
