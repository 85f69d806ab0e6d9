// Checkpoint folders: atomic save with retention, resolution via LATEST, verified load.
//
// Crash safety of save(), in order (each step durable before the next starts):
//   1. model/optim/state.json written and fsynced inside `.tmp_step_N_<pid>/`,
//      then that folder fsynced;
//   2. the folder renamed to `step_N` and checkpoints/ fsynced: the checkpoint
//      now exists complete or not at all (readers ignore `.tmp_*`);
//   3. LATEST replaced by rename of a fsynced temp file, checkpoints/ fsynced;
//   4. old checkpoints and `.tmp_*` leftovers removed.
// A crash before 3 leaves LATEST on the previous checkpoint, which stays intact.
#include "weft/checkpoint/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>

#include "bounded_json.h"
#include "durable_io.h"
#include "file_digest.h"

namespace weft {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kOptimFile = "optim.safetensors";
constexpr const char* kStateFile = "state.json";
constexpr const char* kLatestFile = "LATEST";
constexpr int kMaxStateDepth = 32;  // state.json nests 3 deep; deeper is hostile (bounded_json.h)
constexpr std::string_view kTmpPrefix = ".tmp_";
constexpr const char* kStateSum = "state_xxh3";

// state.json's own checksum: over the compact dump of the object without
// "state_xxh3" (nlohmann sorts keys and round-trips numbers, so the dump of
// the parsed file reproduces the dump that was hashed at save).
std::string state_digest(json state) {
  state.erase(kStateSum);
  return ckpt_io::hex64(ckpt_io::xxh3_of(state.dump()));
}

// The step of a "step_<digits>" name, or nullopt for anything else.
std::optional<int64_t> parse_step_name(std::string_view name) {
  constexpr std::string_view prefix = "step_";
  if (!name.starts_with(prefix)) return std::nullopt;
  const std::string_view digits = name.substr(prefix.size());
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int64_t step = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), step);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return step;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// The folder's own name, also for paths given with a trailing separator.
std::string leaf_name(const fs::path& p) {
  fs::path n = p.lexically_normal();
  if (!n.has_filename()) n = n.parent_path();
  return n.filename().string();
}

// fsyncs the folder that holds `p` (the current folder for a bare name).
void fsync_parent(const fs::path& p) {
  const fs::path parent = p.lexically_normal().parent_path();
  ckpt_io::fsync_dir(parent.empty() ? fs::path(".") : parent);
}

void rename_or_throw(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    const int e = errno;
    throw CheckpointError(detail::concat("cannot rename ", quoted(from), " to ", quoted(to), ": ", std::strerror(e)));
  }
}

// Moves the finished temp folder to `final_dir`. When a checkpoint of the same
// step already exists (a re-run), the two are swapped atomically where the
// filesystem supports RENAME_EXCHANGE; otherwise the old one is first renamed
// aside, leaving a brief window in which the step folder is absent (LATEST then
// names a missing folder and resolve_checkpoint reports it, never loads a mix).
void move_into_place(const fs::path& tmp, const fs::path& final_dir, const std::string& aside_name) {
  if (::rename(tmp.c_str(), final_dir.c_str()) == 0) return;
  if (errno != ENOTEMPTY && errno != EEXIST) {
    const int e = errno;
    throw CheckpointError(
        detail::concat("cannot rename ", quoted(tmp), " to ", quoted(final_dir), ": ", std::strerror(e)));
  }
  std::error_code ec;
#if defined(RENAME_EXCHANGE)
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(tmp, ec);  // now the old checkpoint; a failure leaves a `.tmp_*` for the next save
    return;
  }
#endif
  const fs::path aside = final_dir.parent_path() / aside_name;
  fs::remove_all(aside, ec);
  rename_or_throw(final_dir, aside);
  rename_or_throw(tmp, final_dir);
  fs::remove_all(aside, ec);
}

// Maps `from` ("step_00000020", "step_20" or "20") to the canonical folder name.
std::string from_to_folder_name(const std::string& from) {
  std::optional<int64_t> step = parse_step_name(from);
  if (!step) step = parse_step_name("step_" + from);
  WEFT_CHECK(step.has_value(), CheckpointError, "checkpoint 'from' = '", from,
             "' is not a checkpoint folder name (expected e.g. step_00000020 or 20)");
  return checkpoint_folder_name(*step);
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

std::string checkpoint_folder_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step_%08lld", static_cast<long long>(step));
  return buf;
}

CheckpointWriter::CheckpointWriter(fs::path checkpoints_dir, int keep) : dir_(std::move(checkpoints_dir)), keep_(keep) {
  WEFT_CHECK(keep >= 0, ValueError, "checkpoint keep must be >= 0 (0 keeps every checkpoint), got ", keep);
}

fs::path CheckpointWriter::save(int64_t step, const CheckpointContents& contents) {
  WEFT_CHECK(step >= 0, ValueError, "checkpoint step must be >= 0, got ", step);
  WEFT_CHECK(contents.state.is_object() || contents.state.is_null(), ValueError,
             "checkpoint state must be a JSON object, got ", contents.state.type_name());

  std::error_code ec;
  if (!fs::exists(dir_, ec)) {
    fs::create_directories(dir_, ec);
    if (ec) throw CheckpointError(detail::concat("cannot create ", quoted(dir_), ": ", ec.message()));
    fsync_parent(dir_);  // the new folder's entry must be durable too
  }
  WEFT_CHECK(fs::is_directory(dir_, ec), CheckpointError, "checkpoint location ", quoted(dir_), " is not a folder");

  const std::string name = checkpoint_folder_name(step);
  const std::string pid = std::to_string(::getpid());
  const fs::path tmp = dir_ / (std::string(kTmpPrefix) + name + "_" + pid);
  const fs::path final_dir = dir_ / name;

  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec) throw CheckpointError(detail::concat("cannot create ", quoted(tmp), ": ", ec.message()));
  try {
    const std::map<std::string, std::string> meta = {{"format", "pt"}, {"step", std::to_string(step)}};
    write_safetensors(tmp / kModelFile, contents.model, meta);
    write_safetensors(tmp / kOptimFile, contents.optim, meta);

    json state = contents.state.is_null() ? json::object() : contents.state;
    state["format"] = kCheckpointFormat;
    json files = json::object();
    for (const char* f : {kModelFile, kOptimFile}) {
      const ckpt_io::FileDigest d = ckpt_io::digest_file(tmp / f);
      files[f] = {{"size", d.size}, {"xxh3", ckpt_io::hex64(d.xxh3)}};
    }
    state["files"] = std::move(files);
    std::string text;
    try {
      state[kStateSum] = state_digest(state);
      text = state.dump(2) + "\n";
    } catch (const json::exception& e) {
      throw CheckpointError(detail::concat("cannot serialise the state of checkpoint ", quoted(final_dir), ": ",
                                           e.what()));
    }
    ckpt_io::write_file_durable(tmp / kStateFile, text);
    ckpt_io::fsync_dir(tmp);
    move_into_place(tmp, final_dir, std::string(kTmpPrefix) + "old_" + name + "_" + pid);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  ckpt_io::fsync_dir(dir_);

  const fs::path latest_tmp = dir_ / (std::string(kTmpPrefix) + kLatestFile + "_" + pid);
  ckpt_io::write_file_durable(latest_tmp, name + "\n");
  rename_or_throw(latest_tmp, dir_ / kLatestFile);
  ckpt_io::fsync_dir(dir_);

  // Retention and cleanup run only once the new checkpoint is the LATEST one.
  std::vector<std::pair<int64_t, fs::path>> steps;
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.starts_with(kTmpPrefix)) {
      doomed.push_back(it->path());
    } else if (std::error_code type_ec; parse_step_name(n) && n != name && it->is_directory(type_ec)) {
      steps.emplace_back(*parse_step_name(n), it->path());
    }
  }
  if (ec) throw CheckpointError(detail::concat("checkpoint ", quoted(final_dir), " saved, but listing ", quoted(dir_),
                                               " for cleanup failed: ", ec.message()));
  std::sort(steps.begin(), steps.end());
  // `steps` excludes the new checkpoint, which always survives: keep - 1 others stay.
  if (keep_ > 0 && steps.size() + 1 > static_cast<size_t>(keep_))
    for (size_t i = 0; i < steps.size() + 1 - static_cast<size_t>(keep_); ++i) doomed.push_back(steps[i].second);
  std::string failures;
  for (const fs::path& p : doomed) {
    fs::remove_all(p, ec);
    if (ec) failures += detail::concat(failures.empty() ? "" : "; ", quoted(p), ": ", ec.message());
  }
  if (!failures.empty())
    throw CheckpointError(detail::concat("checkpoint ", quoted(final_dir), " saved, but removing old files failed: ",
                                         failures));
  return final_dir;
}

fs::path resolve_checkpoint(const fs::path& path, const std::string& from) {
  std::error_code ec;
  WEFT_CHECK(fs::exists(path, ec), CheckpointError, "checkpoint path ", quoted(path), " does not exist");
  WEFT_CHECK(fs::is_directory(path, ec), CheckpointError, "checkpoint path ", quoted(path),
             " is not a folder (expected a run folder, its checkpoints/ folder or a step_* folder)");
  const std::string leaf = leaf_name(path);
  WEFT_CHECK(!leaf.starts_with(kTmpPrefix), CheckpointError, quoted(path),
             " is an unfinished checkpoint (a save was interrupted); it is never loaded");

  if (parse_step_name(leaf) || fs::exists(path / kStateFile, ec)) {
    WEFT_CHECK(from.empty() || from_to_folder_name(from) == leaf, CheckpointError, "checkpoint 'from' = '", from,
               "' was given, but ", quoted(path), " is itself a checkpoint folder; pass the run folder instead");
    return path;
  }

  fs::path ckdir;
  if (fs::is_directory(path / "checkpoints", ec))
    ckdir = path / "checkpoints";
  else if (leaf == "checkpoints" || fs::exists(path / kLatestFile, ec))
    ckdir = path;
  else
    throw CheckpointError(detail::concat(quoted(path),
                                         " is not a run folder (no checkpoints/ inside), a checkpoints/ folder (no "
                                         "LATEST) or a checkpoint folder (no state.json)"));

  if (!from.empty()) {
    const fs::path dir = ckdir / from_to_folder_name(from);
    WEFT_CHECK(fs::is_directory(dir, ec), CheckpointError, "checkpoint ", quoted(dir), " (from = '", from,
               "') does not exist");
    return dir;
  }
  const fs::path latest = ckdir / kLatestFile;
  WEFT_CHECK(fs::exists(latest, ec), CheckpointError, quoted(latest),
             " is missing: no checkpoint was completed in this run (or LATEST was deleted)");
  const std::string name = trim(ckpt_io::read_text_file(latest));
  WEFT_CHECK(!name.empty(), CheckpointError, quoted(latest), " is empty");
  WEFT_CHECK(parse_step_name(name).has_value(), CheckpointError, quoted(latest), " contains '", name,
             "', which is not a step_* folder name");
  const fs::path dir = ckdir / name;
  WEFT_CHECK(fs::is_directory(dir, ec), CheckpointError, quoted(latest), " names ", name, ", but ", quoted(dir),
             " does not exist");
  return dir;
}

CheckpointContents load_checkpoint(const fs::path& step_dir) {
  std::error_code ec;
  WEFT_CHECK(fs::is_directory(step_dir, ec), CheckpointError, "checkpoint folder ", quoted(step_dir),
             fs::exists(step_dir, ec) ? " is not a folder" : " does not exist");
  const fs::path state_path = step_dir / kStateFile;
  WEFT_CHECK(fs::exists(state_path, ec), CheckpointError, quoted(state_path),
             " is missing (not a checkpoint folder, or an incomplete one)");

  CheckpointContents out;
  try {
    out.state =
        json::parse(ckpt_io::read_text_file(state_path), ckpt_io::depth_limited(kMaxStateDepth, quoted(state_path)));
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
    throw CheckpointError(detail::concat(quoted(state_path), " is not valid JSON: ", e.what()));
  }
  WEFT_CHECK(out.state.is_object(), CheckpointError, quoted(state_path), " is not a JSON object");
  const auto fmt = out.state.find("format");
  const bool v1 = fmt != out.state.end() && fmt->is_string() && *fmt == kCheckpointFormatV1;
  WEFT_CHECK(fmt != out.state.end() && fmt->is_string() && (*fmt == kCheckpointFormat || v1), CheckpointError,
             quoted(state_path), ": \"format\" is ", fmt == out.state.end() ? std::string("missing") : ckpt_io::json_excerpt(*fmt),
             ", expected \"", kCheckpointFormat, "\" (or the older \"", kCheckpointFormatV1, "\")");
  if (!v1) {
    const auto sum = out.state.find(kStateSum);
    WEFT_CHECK(sum != out.state.end() && sum->is_string(), CheckpointError, quoted(state_path), ": \"", kStateSum,
               "\" (state.json's own checksum, required in ", kCheckpointFormat, ") is ",
               sum == out.state.end() ? std::string("missing") : "not a string: " + ckpt_io::json_excerpt(*sum));
    const std::string want = sum->get<std::string>(), got = state_digest(out.state);
    WEFT_CHECK(got == want, CheckpointError, quoted(state_path), " has checksum ", got, ", but its \"", kStateSum,
               "\" records ", ckpt_io::json_excerpt(*sum),
               " (state.json was edited or damaged; restore it or resume from another checkpoint with --from)");
  }
  const auto files = out.state.find("files");
  WEFT_CHECK(files != out.state.end() && files->is_object(), CheckpointError, quoted(state_path),
             " has no \"files\" object (sizes and checksums)");
  for (const char* required : {kModelFile, kOptimFile})
    WEFT_CHECK(files->contains(required), CheckpointError, quoted(state_path), " has no \"files\" entry for ",
               required);

  for (const auto& [name, rec] : files->items()) {
    WEFT_CHECK(!name.empty() && name.find('/') == std::string::npos && name != "." && name != "..", CheckpointError,
               quoted(state_path), ": \"files\" names '", name, "', which is not a plain file name");
    const auto size = rec.is_object() ? rec.find("size") : rec.end();
    const auto hash = rec.is_object() ? rec.find("xxh3") : rec.end();
    WEFT_CHECK(rec.is_object() && size != rec.end() && size->is_number_unsigned() && hash != rec.end() &&
                   hash->is_string(),
               CheckpointError, quoted(state_path), ": \"files\" entry for ", name,
               " must be {\"size\": bytes, \"xxh3\": hex}, got ", ckpt_io::json_excerpt(rec));
    verify_file_digest(step_dir / name, rec, "state.json");
  }
  out.model = read_safetensors(step_dir / kModelFile);
  out.optim = read_safetensors(step_dir / kOptimFile);
  return out;
}

std::string state_checksum(const json& state) { return state_digest(state); }

json file_digest_record(const fs::path& file) {
  const ckpt_io::FileDigest d = ckpt_io::digest_file(file);
  return {{"size", d.size}, {"xxh3", ckpt_io::hex64(d.xxh3)}};
}

void verify_file_digest(const fs::path& file, const json& rec, const std::string& recorded_in) {
  std::error_code ec;
  const auto size = rec.is_object() ? rec.find("size") : rec.end();
  const auto hash = rec.is_object() ? rec.find("xxh3") : rec.end();
  WEFT_CHECK(rec.is_object() && size != rec.end() && size->is_number_unsigned() && hash != rec.end() &&
                 hash->is_string(),
             CheckpointError, recorded_in, ": the record of ", quoted(file),
             " must be {\"size\": bytes, \"xxh3\": hex}, got ", ckpt_io::json_excerpt(rec));
  WEFT_CHECK(fs::exists(file, ec), CheckpointError, "checkpoint file ", quoted(file), " is missing (", recorded_in,
             " lists it)");
  const ckpt_io::FileDigest d = ckpt_io::digest_file(file);
  const uint64_t want_size = size->get<uint64_t>();
  WEFT_CHECK(d.size == want_size, CheckpointError, "checkpoint file ", quoted(file), " is ", d.size, " bytes, but ",
             recorded_in, " records ", want_size, " (truncated, partially written or edited)");
  const std::string got_hash = ckpt_io::hex64(d.xxh3), want_hash = hash->get<std::string>();
  WEFT_CHECK(got_hash == want_hash, CheckpointError, "checkpoint file ", quoted(file), " has XXH3 ", got_hash, ", but ",
             recorded_in, " records ", want_hash, " (the file is corrupted or was edited)");
}

}  // namespace weft
