// defines: SourceLoc, Diagnostic, RecipeError, nearest_key, Reporter (see diagnostics.h).
#include "weft/config/diagnostics.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace weft {

namespace {
constexpr const char* kSetPrefix = "--set ";
}

SourceLoc SourceLoc::from_mark(std::string file, int line0, int column0) {
  SourceLoc loc;
  loc.source = std::move(file);
  // yaml-cpp reports -1 for nodes that were built in memory rather than parsed.
  loc.line = line0 >= 0 ? line0 + 1 : 0;
  loc.column = (line0 >= 0 && column0 >= 0) ? column0 + 1 : 0;
  return loc;
}

SourceLoc SourceLoc::from_set(const std::string& assignment) {
  SourceLoc loc;
  loc.source = kSetPrefix + assignment;
  return loc;
}

bool SourceLoc::is_set_override() const { return source.rfind(kSetPrefix, 0) == 0; }

std::string SourceLoc::str() const {
  if (source.empty()) return {};
  std::string s = source;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

std::string Diagnostic::str() const {
  std::string s;
  const std::string where = loc.str();
  if (!where.empty()) s += where + ": ";
  if (!path.empty()) s += path + ": ";
  return s + message;
}

namespace {
std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string s;
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i) s += '\n';
    s += diagnostics[i].str();
  }
  return s;
}

std::string lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimal string alignment distance: Levenshtein plus adjacent transposition,
// which is the most common typo ("wieght_decay").
size_t osa_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}
}  // namespace

RecipeError::RecipeError(std::vector<Diagnostic> diagnostics)
    : ConfigError(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

std::string nearest_key(const std::string& bad, const std::vector<std::string>& candidates) {
  // A third of the length keeps "lrr" -> "lr" and "n_head" -> "n_heads" while
  // refusing to map unrelated short words onto each other.
  const size_t threshold = std::max<size_t>(1, bad.size() / 3);
  const std::string b = lower(bad);
  std::string best;
  size_t best_distance = threshold + 1;
  for (const std::string& c : candidates) {
    if (c == bad) continue;
    const size_t dist = osa_distance(b, lower(c));
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& bad, const std::vector<std::string>& candidates) {
  const std::string near = nearest_key(bad, candidates);
  return near.empty() ? std::string() : " (did you mean '" + near + "'?)";
}

std::string join_key(const std::string& prefix, const std::string& key) {
  if (prefix.empty()) return key;
  if (key.empty()) return prefix;
  if (key.front() == '[') return prefix + key;
  return prefix + "." + key;
}

Reporter::Reporter(Locator locate) : shared_(std::make_shared<Shared>()) {
  shared_->locate = std::move(locate);
}

std::string Reporter::full_path(const std::string& key) const { return join_key(prefix_, key); }

void Reporter::error(const std::string& key, const std::string& message) {
  std::string path = full_path(key);
  SourceLoc loc = shared_->locate ? shared_->locate(path) : SourceLoc{};
  error_at(std::move(loc), std::move(path), message);
}

void Reporter::error_at(SourceLoc loc, std::string full_path, std::string message) {
  shared_->diagnostics.push_back({std::move(loc), std::move(full_path), std::move(message)});
}

Reporter Reporter::scoped(const std::string& key) const {
  Reporter r = *this;
  r.prefix_ = full_path(key);
  return r;
}

size_t Reporter::count() const { return shared_->diagnostics.size(); }

const std::vector<Diagnostic>& Reporter::diagnostics() const { return shared_->diagnostics; }

void Reporter::throw_if_errors() const {
  if (!ok()) throw RecipeError(shared_->diagnostics);
}

}  // namespace weft
