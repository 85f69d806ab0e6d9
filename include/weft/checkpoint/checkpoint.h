// defines: CheckpointContents, CheckpointWriter, resolve_checkpoint, load_checkpoint,
// checkpoint_folder_name.
//
// On disk (the README's architecture map "checkpoint"):
//   checkpoints/
//     LATEST                 "step_00000500\n": the newest complete checkpoint
//     step_00000500/
//       model.safetensors    parameters by dotted name
//       optim.safetensors    optimizer state tensors
//       state.json           the trainer's state + {"format": "weft-checkpoint-2",
//                            "files": {name: {"size": bytes, "xxh3": "16 hex digits"}},
//                            "state_xxh3": XXH3 of the compact dump of this object
//                            without "state_xxh3" (keys sorted): state.json's own checksum}
// Format 1 (before state.json carried its own checksum) is still read: it is
// loaded without that check; every other check applies.
// A save writes everything into a hidden `.tmp_*` folder, fsyncs it, renames it
// into place and only then rewrites LATEST, so a crash at any instant leaves the
// previous checkpoint reachable and never exposes a torn one. Loading checks every
// file's size and XXH3 checksum before parsing it; problems are CheckpointErrors
// naming the path, never a silent fallback to another checkpoint. One writer per
// checkpoints/ folder (a save removes every `.tmp_*` entry it finds there).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "weft/checkpoint/safetensors.h"

namespace weft {

inline constexpr const char* kCheckpointFormat = "weft-checkpoint-2";
inline constexpr const char* kCheckpointFormatV1 = "weft-checkpoint-1";  // read, never written

struct CheckpointContents {
  NamedTensors model;
  NamedTensors optim;
  // The trainer's state (step, tokens, RNG and sampler state, ...): a JSON object.
  // The keys "format", "files" and "state_xxh3" are owned by the checkpoint layer: save()
  // replaces them, load_checkpoint() returns them as read.
  nlohmann::json state;
};

// "step_%08d": zero-padded so that folder names sort like steps up to 10^8.
std::string checkpoint_folder_name(int64_t step);

class CheckpointWriter {
 public:
  // `keep` = how many step_* folders to retain after a save (0 = all). The folder
  // is created on the first save. Throws ValueError when keep < 0.
  CheckpointWriter(std::filesystem::path checkpoints_dir, int keep);

  // Saves `contents` as checkpoints_dir/step_%08d (replacing a folder of that
  // name), points LATEST at it, then removes the oldest step_* folders beyond
  // `keep` (never the one just saved) and leftover `.tmp_*` entries of
  // interrupted saves. Returns the checkpoint folder. Throws CheckpointError
  // naming the path on any I/O failure; if that happens before the rename,
  // LATEST and the existing checkpoints are untouched.
  std::filesystem::path save(int64_t step, const CheckpointContents& contents);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  int keep_;
};

// Finds a checkpoint folder. `path` may be a run folder (uses checkpoints/LATEST),
// a checkpoints/ folder (uses its LATEST), or a step_* folder itself. `from`
// names a folder to use instead of LATEST: "step_00000020", or just the step
// number "20". Throws CheckpointError naming the path when the folder is missing,
// LATEST is missing or empty or names a folder that does not exist, or `from`
// is not a step folder name (or is combined with a step_* folder other than itself),
// and for a `.tmp_*` folder (an interrupted save).
std::filesystem::path resolve_checkpoint(const std::filesystem::path& path, const std::string& from = "");

// Reads a step_* folder: parses state.json, verifies each file listed in its
// "files" (present, size and XXH3 as recorded), then reads both safetensors files.
// In format 2 also verifies state.json's own checksum ("state_xxh3").
// Throws CheckpointError naming the file and the problem (expected vs actual).
CheckpointContents load_checkpoint(const std::filesystem::path& step_dir);

// What "state_xxh3" must hold for `state` (any "state_xxh3" in it is ignored):
// for tools and tests that rewrite a state.json on purpose.
std::string state_checksum(const nlohmann::json& state);

// {"size": bytes, "xxh3": "16 hex digits"} of a file (what "files" records), and
// its check: CheckpointError naming `file`, `recorded_in` and the difference.
nlohmann::json file_digest_record(const std::filesystem::path& file);
void verify_file_digest(const std::filesystem::path& file, const nlohmann::json& record, const std::string& recorded_in);

}  // namespace weft
