// Recipe loading + validation on arbitrary bytes. An input whose first line is
// "--set K=V" also applies that override (the --set parser and merge).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "weft/train/recipe_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> sets;
  if (text.rfind("--set ", 0) == 0) {
    const size_t nl = text.find('\n');
    sets.push_back(text.substr(6, nl == std::string::npos ? std::string::npos : nl - 6));
    text = nl == std::string::npos ? std::string() : text.substr(nl + 1);
  }
  const auto file = weft::fuzz::scratch() / "recipe.yaml";
  weft::fuzz::write(file, text);
  weft::fuzz::expect_only_weft_errors([&] { (void)weft::load_and_validate_recipe(file, sets); });
  return 0;
}
