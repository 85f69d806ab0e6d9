#include "weft/core/available_memory.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <optional>
#include <vector>

namespace weft {

namespace {

namespace fs = std::filesystem;
constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

// The first unsigned number in a small control file; nullopt for "max", an
// unreadable file or anything else.
std::optional<uint64_t> read_number(const fs::path& p) {
  std::ifstream f(p);
  std::string word;
  if (!(f >> word) || word.empty() || word.size() > 20 ||
      !std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  try {
    return std::stoull(word);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The folders that may hold this process's limit for `controller` ("" for v2's
// unified hierarchy): its own cgroup's path under the root, then the root itself
// (inside a container's cgroup namespace the process's cgroup is the root).
std::vector<fs::path> cgroup_dirs(const MemorySources& s, const std::string& mount) {
  std::vector<fs::path> dirs;
  std::ifstream f(s.self_cgroup);
  const bool v2 = mount.empty();
  for (std::string line; std::getline(f, line);) {
    // "ID:controllers:path": v2 is "0::/path"; v1 lists "memory" among its controllers.
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    const bool match = v2 ? controllers.empty() : ("," + controllers + ",").find(",memory,") != std::string::npos;
    if (match && !path.empty() && path != "/") dirs.push_back(s.cgroup_root / mount / path.substr(1));
  }
  dirs.push_back(s.cgroup_root / mount);
  return dirs;
}

}  // namespace

uint64_t cgroup_headroom_bytes(const MemorySources& s) {
  uint64_t headroom = kUnlimited;
  const auto consider = [&](const fs::path& dir, const char* limit_file, const char* usage_file) {
    const auto limit = read_number(dir / limit_file);
    // v1 reports "no limit" as a huge page-rounded number: treat ≥ 2^60 as none.
    if (!limit || *limit >= (uint64_t{1} << 60)) return;
    const uint64_t used = read_number(dir / usage_file).value_or(0);
    headroom = std::min(headroom, *limit > used ? *limit - used : 0);
  };
  for (const fs::path& d : cgroup_dirs(s, "")) consider(d, "memory.max", "memory.current");
  for (const fs::path& d : cgroup_dirs(s, "memory")) consider(d, "memory.limit_in_bytes", "memory.usage_in_bytes");
  return headroom;
}

uint64_t available_memory_bytes(const MemorySources& s) {
  uint64_t avail = 0;
  {
    std::ifstream f(s.meminfo);
    std::string key, unit;
    uint64_t kb = 0;
    while (f >> key >> kb) {
      std::getline(f, unit);
      if (key == "MemAvailable:") {
        avail = kb * 1024;
        break;
      }
    }
  }
  if (avail == 0) {
    const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) avail = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  }
  if (avail == 0) return 0;
  return std::min(avail, cgroup_headroom_bytes(s));
}

}  // namespace weft
