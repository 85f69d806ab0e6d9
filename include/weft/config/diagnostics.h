// defines: SourceLoc, Diagnostic, Reporter, RecipeError, nearest_key, did_you_mean.
//
// Every recipe problem is reported against where the user wrote it: a file
// position (printed 1-based as file:line:column) or the command-line override
// that introduced the value ("--set optim.lr=3e-4"). Locations are attached to
// key paths when a recipe is loaded, so they survive include-merging and --set.
//
// The validator does not stop at the first problem: it collects every
// Diagnostic in a Reporter and throws one RecipeError (a ConfigError) whose
// message holds one diagnostic per line, in the order they were found.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/core/error.h"

namespace weft {

struct SourceLoc {
  std::string source;  // file path as shown to the user, or "--set a.b=value"; empty = unknown
  int line = 0;        // 1-based; 0 = the source as a whole
  int column = 0;      // 1-based; 0 = unknown

  // yaml-cpp marks are 0-based; this is the one place that converts.
  static SourceLoc from_mark(std::string file, int line0, int column0);
  static SourceLoc from_set(const std::string& assignment);  // "--set " + assignment

  bool known() const { return !source.empty(); }
  bool is_set_override() const;
  std::string str() const;  // "file:12:5", "file", "--set a.b=1", or "" when unknown
};

struct Diagnostic {
  SourceLoc loc;
  std::string path;     // full dotted key path, e.g. "optim.lr" or "optim.betas[1]"; may be empty
  std::string message;  // e.g. "unknown key (did you mean 'lr'?)"
  std::string str() const;  // "loc: path: message"
};

// Thrown when a recipe fails to load or validate. what() is every diagnostic,
// one per line; diagnostics() gives them structured (tests, `weft inspect`).
class RecipeError : public ConfigError {
 public:
  explicit RecipeError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// The closest candidate under a Damerau-Levenshtein (optimal string alignment)
// distance of at most max(1, bad.size() / 3), case-insensitively; ties go to
// the earlier candidate. Empty when nothing is close enough to be a typo.
std::string nearest_key(const std::string& bad, const std::vector<std::string>& candidates);
// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string did_you_mean(const std::string& bad, const std::vector<std::string>& candidates);

// Collects diagnostics. A Reporter is scoped to a section (a key-path prefix):
// error("n_heads", ...) inside the "model" scope reports "model.n_heads" at the
// location the locator finds for it. Scoped copies share one list.
class Reporter {
 public:
  using Locator = std::function<SourceLoc(const std::string& full_path)>;

  explicit Reporter(Locator locate = {});

  // key is relative to this reporter's scope ("" = the scope itself).
  void error(const std::string& key, const std::string& message);
  void error_at(SourceLoc loc, std::string full_path, std::string message);

  Reporter scoped(const std::string& key) const;
  std::string full_path(const std::string& key) const;
  const std::string& prefix() const { return prefix_; }

  size_t count() const;
  bool ok() const { return count() == 0; }
  const std::vector<Diagnostic>& diagnostics() const;
  void throw_if_errors() const;  // RecipeError with everything collected so far

 private:
  struct Shared {
    std::vector<Diagnostic> diagnostics;
    Locator locate;
  };
  std::shared_ptr<Shared> shared_;
  std::string prefix_;
};

// Joins a key-path prefix and a key: ("model", "n_heads") -> "model.n_heads";
// list indices attach without a dot: ("optim.betas", "[1]") -> "optim.betas[1]".
std::string join_key(const std::string& prefix, const std::string& key);

}  // namespace weft
