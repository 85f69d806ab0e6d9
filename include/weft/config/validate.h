// defines: validate, load_and_validate.
//
// Validation runs before anything is built. It checks the loaded recipe
// against a Schema — every key known (unknown keys get a "did you mean"
// among their siblings), every value typed (integers are integers, booleans
// are true/false, quoted scalars are strings), ranges, choices, list lengths,
// required keys, the `type` of polymorphic sections — and then runs the
// schema's cross-field checks on the resolved values.
//
// All problems are collected and thrown together as one RecipeError (a
// ConfigError), one "file:line:col: key.path: message" per line, in schema
// order. Cross-field checks run only when every value is well-typed, so a
// check can read any key it declared without guarding.
//
// On success the recipe becomes the fully resolved one: defaults filled, keys
// in schema order, values canonically spelled (see dump_resolved). On failure
// the recipe is left unchanged. Validating a resolved recipe again is a no-op.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "weft/config/recipe.h"
#include "weft/config/schema.h"

namespace weft {

void validate(Recipe& recipe, const Schema& root);

// load_recipe + validate.
Recipe load_and_validate(const std::filesystem::path& file, const std::vector<std::string>& set_overrides,
                         const Schema& root, const std::filesystem::path& include_root = {});

}  // namespace weft
