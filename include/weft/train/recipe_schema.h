// defines: recipe_schema — the root Schema of a training recipe (the README's architecture map
// "Recipe"): seed, device, model, param, optim, schedule, data, train. Model and
// block types come from the registries, so user layers appear automatically.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "weft/config/recipe.h"
#include "weft/config/schema.h"

namespace weft {

Schema recipe_schema();

// load_recipe + validate against recipe_schema(), includes resolved against the
// repository-style root (the recipe's folder's ancestors that hold configs/,
// else the current directory).
Recipe load_and_validate_recipe(const std::filesystem::path& file, const std::vector<std::string>& set_overrides);

}  // namespace weft
