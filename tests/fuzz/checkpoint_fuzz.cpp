// Checkpoint resolution and state.json: the first line of the input becomes
// checkpoints/LATEST, the rest step_00000001/state.json (next to a valid
// model.safetensors and optim.safetensors, so a state.json that names them with
// the right sizes and checksums reaches the end of load_checkpoint). The
// state.json text also goes straight to the trainer's schema (validate_state),
// which the state's own checksum would otherwise keep fuzzed input from reaching.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/checkpoint/safetensors.h"
#include "weft/train/state_schema.h"

namespace fs = std::filesystem;

namespace {

const fs::path& run_dir() {
  static const fs::path run = [] {
    const fs::path r = weft::fuzz::scratch() / "run", step = r / "checkpoints" / "step_00000001";
    fs::create_directories(step);
    weft::write_safetensors(step / "model.safetensors", {{"w", weft::Tensor::ones({2, 3})}});
    weft::write_safetensors(step / "optim.safetensors", {{"m", weft::Tensor::zeros({4})}});
    return r;
  }();
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t nl = text.find('\n');
  const fs::path& run = run_dir();
  weft::fuzz::write(run / "checkpoints" / "LATEST", text.substr(0, nl));
  weft::fuzz::write(run / "checkpoints" / "step_00000001" / "state.json",
                    nl == std::string::npos ? std::string() : text.substr(nl + 1));
  weft::fuzz::expect_only_weft_errors([&] { (void)weft::load_checkpoint(weft::resolve_checkpoint(run)); });
  if (nl != std::string::npos) {
    // Depth-limited like load_checkpoint's parse (deeper values are dropped here).
    const nlohmann::json state = nlohmann::json::parse(
        text.substr(nl + 1), [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) { return depth <= 32; },
        false);
    if (!state.is_discarded())
      for (weft::StateUse use : {weft::StateUse::resume, weft::StateUse::evaluate})
        weft::fuzz::expect_only_weft_errors([&] { weft::validate_state(state, "state.json", use); });
  }
  return 0;
}
