// state.json's schema: one table of known keys with their type and range, then
// the rules that tie fields together. Checked before any field is used, so the
// trainer and the CLI read state.json with plain get<>() afterwards.
#include "weft/train/state_schema.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <vector>

#include "weft/checkpoint/checkpoint.h"
#include "weft/config/recipe.h"
#include "weft/core/error.h"
#include "weft/train/recipe_schema.h"

namespace weft {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int64_t kMaxCount = int64_t(1) << 62;  // steps, tokens, offsets: far beyond any run, far below wrap-around

// Never dumps a whole structured or long value (a hostile file may hold a huge one).
std::string excerpt(const json& v) {
  if (v.is_object()) return "an object of " + std::to_string(v.size()) + " keys";
  if (v.is_array()) return "an array of " + std::to_string(v.size()) + " values";
  if (v.is_string() && v.get_ref<const std::string&>().size() > 80)
    return json(v.get_ref<const std::string&>().substr(0, 80)).dump() + "...";
  return v.dump();
}

[[noreturn]] void fail(const std::string& file, const std::string& field, const std::string& problem) {
  throw CheckpointError(file + ": field '" + field + "' " + problem);
}

// An integer in [lo, hi]: JSON integers only (5.5, "10" and 1e3 are refused).
int64_t need_int(const json& v, const std::string& file, const std::string& field, int64_t lo, int64_t hi) {
  if (!v.is_number_integer()) fail(file, field, "must be an integer, got " + excerpt(v));
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi))
    fail(file, field, "must be <= " + std::to_string(hi) + ", got " + excerpt(v));
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi)
    fail(file, field, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + excerpt(v));
  return x;
}

void need_number(const json& v, const std::string& file, const std::string& field) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
    fail(file, field, "must be a finite number >= 0, got " + excerpt(v));
}

void need_object(const json& v, const std::string& file, const std::string& field) {
  if (!v.is_object()) fail(file, field, "must be an object, got " + excerpt(v));
}

void need_hex16(const json& v, const std::string& file, const std::string& field) {
  const bool ok = v.is_string() && v.get<std::string>().size() == 16 &&
                  v.get<std::string>().find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!ok) fail(file, field, "must be 16 lowercase hex digits, got " + excerpt(v));
}

using Check = std::function<void(const json&, const std::string&, const std::string&)>;

Check integer(int64_t lo, int64_t hi) {
  return [lo, hi](const json& v, const std::string& f, const std::string& k) { need_int(v, f, k, lo, hi); };
}

struct Field {
  const char* key;
  Check check;
};

// Every key a state.json may hold. "format", "files" and "state_xxh3" belong to
// the checkpoint layer (checked by load_checkpoint); "vocab" is the legacy data
// description (data_description_of); "pruned_from"/"model_keep_layers" are
// written by `weft eval --write-pruned`.
const std::vector<Field>& fields() {
  static const std::vector<Field> table = {
      {"step", integer(0, kMaxCount)},
      {"tokens", integer(0, kMaxCount)},
      {"total_steps", integer(1, kMaxCount)},
      {"skipped_steps", integer(0, kMaxCount)},
      {"schedule_step", integer(0, kMaxCount)},
      {"threads", integer(0, 1 << 20)},
      {"world_size", integer(1, 1 << 20)},
      {"elapsed_s", need_number},
      {"lr", need_number},
      {"recipe_hash", need_hex16},
      {"recipe_file", need_object},  // its size/xxh3 are checked by verify_file_digest
      {"data", need_object},
      {"vocab", need_object},
      {"sampler", need_object},  // its fields are the sampler's own (Sampler::load_state checks them)
      {"optimizer",
       [](const json& v, const std::string& f, const std::string& k) {
         need_object(v, f, k);
         if (!v.contains("t")) fail(f, k + ".t", "is missing (the optimizer's step count)");
         need_int(v["t"], f, k + ".t", 0, kMaxCount);
         if (!v.contains("type") || !v["type"].is_string()) fail(f, k + ".type", "must be a string");
       }},
      {"dropout_rng",
       [](const json& v, const std::string& f, const std::string& k) {
         need_object(v, f, k);
         for (const char* sub : {"seed", "offset"}) {
           const std::string name = k + "." + sub;
           if (!v.contains(sub)) fail(f, name, "is missing");
           if (!v[sub].is_number_unsigned()) fail(f, name, "must be an integer >= 0, got " + excerpt(v[sub]));
         }
         for (const auto& [sub, _] : v.items())
           if (sub != "seed" && sub != "offset") fail(f, k + "." + sub, "is not a known field");
       }},
      {"pruned_from", [](const json& v, const std::string& f, const std::string& k) {
         if (!v.is_string()) fail(f, k, "must be a string");
       }},
      {"model_keep_layers", [](const json& v, const std::string& f, const std::string& k) {
         if (!v.is_array()) fail(f, k, "must be an array");
         for (const json& e : v) need_int(e, f, k + "[]", 0, 1 << 20);
       }},
      {"format", [](const json&, const std::string&, const std::string&) {}},
      {"files", [](const json&, const std::string&, const std::string&) {}},
      {"state_xxh3", [](const json&, const std::string&, const std::string&) {}},
  };
  return table;
}

}  // namespace

int64_t state_int(const json& state, const char* key, int64_t fallback) {
  return state.contains(key) ? state[key].get<int64_t>() : fallback;
}

void validate_state(const json& state, const std::string& file, StateUse use) {
  if (!state.is_object()) throw CheckpointError(file + " is not a JSON object");
  for (const auto& [key, value] : state.items()) {
    const Field* f = nullptr;
    for (const Field& c : fields())
      if (key == c.key) f = &c;
    if (f == nullptr)
      fail(file, key, "is not a known state.json field (a damaged or edited file, or one from a newer weft)");
    f->check(value, file, key);
  }
  const bool v1 = state.contains("format") && state["format"] == kCheckpointFormatV1;
  // "data" (or the legacy "vocab") is required by data_description_of, which says so.
  std::vector<const char*> required = {"step", "recipe_hash"};
  if (!v1) required.push_back("recipe_file");
  if (use == StateUse::resume) {
    for (const char* k : {"tokens", "schedule_step", "sampler", "dropout_rng", "optimizer"}) required.push_back(k);
    if (!v1)
      for (const char* k : {"total_steps", "skipped_steps"}) required.push_back(k);
  }
  for (const char* k : required)
    if (!state.contains(k))
      fail(file, k, v1 ? "is missing" : std::string("is missing (required in ") + kCheckpointFormat + ")");

  const int64_t step = state["step"].get<int64_t>();
  const int64_t skipped = state_int(state, "skipped_steps", 0);
  if (state.contains("schedule_step") && state["schedule_step"].get<int64_t>() != step)
    fail(file, "schedule_step", "is " + excerpt(state["schedule_step"]) + " but 'step' is " + std::to_string(step) +
                                    " (they are always equal)");
  if (state.contains("total_steps") && step > state["total_steps"].get<int64_t>())
    fail(file, "step", "is " + std::to_string(step) + ", beyond the run's total_steps " +
                           excerpt(state["total_steps"]));
  if (skipped > step)
    fail(file, "skipped_steps", "is " + std::to_string(skipped) + ", more than 'step' " + std::to_string(step));
  if (state.contains("optimizer") && state["optimizer"]["t"].get<int64_t>() != step - skipped)
    fail(file, "optimizer.t",
         "is " + excerpt(state["optimizer"]["t"]) + " but step " + std::to_string(step) + " minus skipped_steps " +
             std::to_string(skipped) + " is " + std::to_string(step - skipped) + " (one update per kept step)");
}

void record_run_recipe(json& state, const fs::path& recipe_file) {
  state["recipe_file"] = file_digest_record(recipe_file);
}

void verify_run_recipe(const json& state, const fs::path& recipe_file, const std::string& state_file) {
  // The semantic hash changes whenever the recipe schema gains a key with a
  // default, so identical bytes win over it; it decides only when the bytes differ.
  if (!state.contains("recipe_hash")) return;
  const std::string recorded = state["recipe_hash"].get<std::string>();
  if (state.contains("recipe_file")) {
    try {
      verify_file_digest(recipe_file, state["recipe_file"], state_file + " (\"recipe_file\")");
      return;
    } catch (const CheckpointError& e) {
      const std::string now = recipe_hash(load_and_validate_recipe(recipe_file, {}));
      if (now == recorded) return;  // reformatted or comments edited: the same recipe
      throw CheckpointError(recipe_file.string() + " was edited after this checkpoint was written (" + e.what() +
                            "; it now resolves to recipe hash " + now + ", the checkpoint records " + recorded +
                            "): eval and resume would build a different model or run. Restore the recipe.yaml this "
                            "run was trained with, or train the edited recipe as a new run (`weft train RECIPE "
                            "--run-dir NEW_DIR`); to lengthen a run use `weft resume --steps N`");
    }
  }
  const std::string now = recipe_hash(load_and_validate_recipe(recipe_file, {}));
  if (now != recorded)
    std::fprintf(stderr,
                 "weft: note: %s (%s) records no checksum of recipe.yaml and its recipe_hash %s (from an older recipe "
                 "schema) differs from %s's %s: recipe.yaml cannot be verified for this checkpoint\n",
                 state_file.c_str(), kCheckpointFormatV1, recorded.c_str(), recipe_file.string().c_str(), now.c_str());
}

}  // namespace weft
