// The trajectory reader: an arbitrary file as a `data.type: trajectories`
// dataset (read_offline_data, then the dataset's statistics and description),
// the path an offline-RL recipe takes. The seeds are small files written by
// `weft dataset collect`, so mutations reach past the safetensors header.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "weft/data/dataset.h"
#include "weft/train/recipe_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto dir = weft::fuzz::scratch();
  // The recipe is parsed once: the input is the dataset file it names.
  static const weft::Recipe recipe = [&] {
    weft::fuzz::write(dir / "recipe.yaml",
                      "model: {type: decision_transformer, d_model: 16, n_layers: 1, n_heads: 1, context_K: 4}\n"
                      "data: {type: trajectories, path: " + (dir / "data.safetensors").string() + "}\n");
    return weft::load_and_validate_recipe(dir / "recipe.yaml", {});
  }();
  weft::fuzz::write(dir / "data.safetensors", std::string_view(reinterpret_cast<const char*>(data), size));
  weft::fuzz::expect_only_weft_errors([&] {
    auto d = weft::build_dataset(recipe.view().at("data"));
    (void)d->description().dump();
    (void)d->summary();
  });
  return 0;
}
