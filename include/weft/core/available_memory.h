// defines: available_memory_bytes — how much memory this process may still
// allocate: the kernel's MemAvailable, lowered by the memory limit of the
// process's cgroup (v2 memory.max − memory.current, or v1 memory.limit_in_bytes
// − memory.usage_in_bytes), so a container or a batch job's limit counts, not
// only the host's free memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace weft {

// Where the figures are read from (tests point these at fake files).
struct MemorySources {
  std::filesystem::path meminfo = "/proc/meminfo";
  std::filesystem::path self_cgroup = "/proc/self/cgroup";
  std::filesystem::path cgroup_root = "/sys/fs/cgroup";
};

// MemAvailable (sysconf's available pages if /proc/meminfo has none), lowered
// to the cgroup's remaining headroom when a limit is set; 0 when unknown.
uint64_t available_memory_bytes(const MemorySources& from = {});

// The cgroup's limit minus its usage in bytes; UINT64_MAX when no limit applies
// or none can be read. Exposed for the message that reports a budget.
uint64_t cgroup_headroom_bytes(const MemorySources& from = {});

}  // namespace weft
