// defines: Allocator (interface), AllocatorStats, CachingHostAllocator.
//
// A training step allocates the same sizes every iteration. The caching allocator
// keeps freed blocks in per-size free lists so that, after the first step, a
// steady-state step reaches the system allocator zero times (`stats().system_allocs`
// stops growing; tests/core/allocator_test.cpp and the benchmark check this).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace weft {

struct AllocatorStats {
  uint64_t requests = 0;        // allocate() calls
  uint64_t system_allocs = 0;   // calls that reached the system allocator
  uint64_t bytes_in_use = 0;    // handed out and not yet returned
  uint64_t bytes_cached = 0;    // held in free lists
  uint64_t peak_bytes_in_use = 0;
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* p, size_t nbytes) = 0;
  virtual AllocatorStats stats() const = 0;
  // Returns every cached block to the system.
  virtual void empty_cache() = 0;
  // Restarts peak tracking from the current bytes in use (for measuring one phase).
  virtual void reset_peak() = 0;
};

// Host memory, 64-byte aligned, sizes rounded to buckets and cached on free.
class CachingHostAllocator final : public Allocator {
 public:
  static constexpr size_t kAlignment = 64;
  ~CachingHostAllocator() override;
  void* allocate(size_t nbytes) override;
  void deallocate(void* p, size_t nbytes) override;
  AllocatorStats stats() const override;
  void empty_cache() override;
  void reset_peak() override;
  // The bucket a request of `nbytes` is served from.
  static size_t round_size(size_t nbytes);
  // While `limit` > 0, a request that would take bytes_in_use past it throws
  // AllocationLimitExceeded instead of touching memory (the model-size guard
  // of train/session.cpp). Returns the previous limit.
  size_t set_limit(size_t limit);

 private:
  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
  size_t limit_ = 0;
};

struct AllocationLimitExceeded : std::bad_alloc {
  AllocationLimitExceeded(size_t req, size_t used, size_t lim) : requested(req), in_use(used), limit(lim) {}
  const char* what() const noexcept override { return "allocation beyond the host allocator's limit"; }
  size_t requested, in_use, limit;
};

CachingHostAllocator& host_allocator();

}  // namespace weft
