// defines: MetricsLog (RUN_DIR/metrics.jsonl: one JSON object per line) and
// write_loss_svg (RUN_DIR/loss.svg, drawn by weft: train and val curves).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace weft {

class MetricsLog {
 public:
  explicit MetricsLog(std::filesystem::path file);
  // Keeps only the lines whose "step" is ≤ step (resume: every step appears once).
  void truncate_after(int64_t step);
  // Appends one line and flushes it to the OS (a crash loses at most that line).
  void append(const nlohmann::json& record);
  // Every record in the file, in order (malformed trailing lines are skipped).
  std::vector<nlohmann::json> read_all() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
};

// Writes train loss and val loss against step (from metrics records) as an SVG,
// atomically (temp file + rename).
void write_loss_svg(const std::vector<nlohmann::json>& records, const std::filesystem::path& file,
                    const std::string& title);

// Formats a loss with round-trip precision (%.9g) as a JSON number.
double round_trip(double v);

}  // namespace weft
