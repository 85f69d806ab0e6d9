// defines: StateUse, validate_state, verify_run_recipe, run_recipe_record — the
// typed, ranged schema of a checkpoint's state.json (what the trainer writes)
// and the check that the run's recipe.yaml is the one the checkpoint was
// trained with. Every problem is a CheckpointError (exit 4) naming the file and
// the field; no raw JSON exception escapes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace weft {

// resume needs the whole trainer state; eval, generate and inspect only the
// data description and the recipe records (pruned runs written by
// `weft eval --write-pruned` hold no more than that).
enum class StateUse { resume, evaluate };

// Every key must be known and of its type and range; the keys `use` needs must
// be present (format 2 also needs "total_steps", "skipped_steps" and
// "recipe_file", which format 1 did not write). Cross-field rules:
// schedule_step == step, step <= total_steps, skipped_steps <= step,
// optimizer.t == step - skipped_steps.
void validate_state(const nlohmann::json& state, const std::string& state_file, StateUse use);

// state.json's "recipe_file" record ({"size", "xxh3"} of recipe.yaml's bytes)
// against the run's recipe.yaml now. When the bytes differ and recipe.yaml no
// longer resolves to the recorded "recipe_hash" (recipe_hash() of recipe.yaml
// loaded without --set overrides), it was edited: a CheckpointError (exit 4:
// the run folder no longer matches its checkpoint) saying how to restore it or
// start a new run. Identical bytes pass even when the hash moved (the recipe
// schema gained a key with a default), and so does a reformatted file that
// resolves to the same hash. Format 1 has no "recipe_file": a hash that differs
// is reported on stderr, since older schemas hash differently.
void verify_run_recipe(const nlohmann::json& state, const std::filesystem::path& recipe_file,
                       const std::string& state_file);

// Sets state["recipe_file"] to recipe.yaml's size and XXH3 (at each save).
void record_run_recipe(nlohmann::json& state, const std::filesystem::path& recipe_file);

// The field as an integer (after validate_state), or `fallback` when absent.
int64_t state_int(const nlohmann::json& state, const char* key, int64_t fallback);

}  // namespace weft
