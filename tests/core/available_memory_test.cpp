// available_memory_bytes (core/available_memory.h): MemAvailable, lowered by a
// cgroup v2 or v1 memory limit less its usage; "max" and v1's huge "no limit"
// number count as no limit; unreadable files fall back without failing.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "weft/core/available_memory.h"

using namespace weft;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t GiB = uint64_t{1} << 30;

struct FakeProc {
  fs::path dir;
  MemorySources src;
  explicit FakeProc(const std::string& name) {
    dir = fs::temp_directory_path() / ("weft_availmem_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "cgroup");
    src = {dir / "meminfo", dir / "self_cgroup", dir / "cgroup"};
    put("meminfo", "MemTotal:       16777216 kB\nMemFree:         1000 kB\nMemAvailable:    8388608 kB\n");
  }
  ~FakeProc() { fs::remove_all(dir); }
  void put(const fs::path& rel, const std::string& text) {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
  }
};

}  // namespace

TEST_SUITE("core_available_memory") {
  TEST_CASE("no cgroup limit: MemAvailable") {
    FakeProc p("none");
    p.put("self_cgroup", "0::/\n");
    p.put("cgroup/memory.max", "max\n");
    CHECK(cgroup_headroom_bytes(p.src) == std::numeric_limits<uint64_t>::max());
    CHECK(available_memory_bytes(p.src) == 8 * GiB);
  }

  TEST_CASE("cgroup v2: the process's own cgroup limit less its usage") {
    FakeProc p("v2");
    p.put("self_cgroup", "0::/jobs/42\n");
    p.put("cgroup/jobs/42/memory.max", std::to_string(2 * GiB) + "\n");
    p.put("cgroup/jobs/42/memory.current", std::to_string(GiB / 2) + "\n");
    CHECK(available_memory_bytes(p.src) == 3 * GiB / 2);
    // Usage past the limit leaves nothing (not a wrapped-around huge number).
    p.put("cgroup/jobs/42/memory.current", std::to_string(3 * GiB) + "\n");
    CHECK(available_memory_bytes(p.src) == 0);
  }

  TEST_CASE("cgroup v2 inside a namespace: the root's files; a larger limit leaves MemAvailable") {
    FakeProc p("ns");
    p.put("self_cgroup", "0::/\n");
    p.put("cgroup/memory.max", std::to_string(64 * GiB) + "\n");
    p.put("cgroup/memory.current", "0\n");
    CHECK(available_memory_bytes(p.src) == 8 * GiB);
    p.put("cgroup/memory.max", std::to_string(4 * GiB) + "\n");
    CHECK(available_memory_bytes(p.src) == 4 * GiB);
  }

  TEST_CASE("cgroup v1: memory.limit_in_bytes, and its 'unlimited' page-rounded maximum") {
    FakeProc p("v1");
    p.put("self_cgroup", "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n");
    p.put("cgroup/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");
    p.put("cgroup/memory/docker/abc/memory.usage_in_bytes", "123\n");
    CHECK(available_memory_bytes(p.src) == 8 * GiB);
    p.put("cgroup/memory/docker/abc/memory.limit_in_bytes", std::to_string(GiB) + "\n");
    p.put("cgroup/memory/docker/abc/memory.usage_in_bytes", std::to_string(GiB / 4) + "\n");
    CHECK(available_memory_bytes(p.src) == 3 * GiB / 4);
  }

  TEST_CASE("garbage in the control files is ignored, never thrown") {
    FakeProc p("junk");
    p.put("self_cgroup", "garbage without colons\n0::/x\n");
    p.put("cgroup/x/memory.max", "-5\n");
    p.put("cgroup/memory.max", "99999999999999999999999\n");
    CHECK(available_memory_bytes(p.src) == 8 * GiB);
  }

  TEST_CASE("this machine: a positive figure no larger than MemAvailable") {
    const uint64_t here = available_memory_bytes();
    CHECK(here > 0);
    MemorySources no_cgroup;
    no_cgroup.self_cgroup = "/nonexistent";
    no_cgroup.cgroup_root = "/nonexistent";
    CHECK(here <= available_memory_bytes(no_cgroup));
  }
}
