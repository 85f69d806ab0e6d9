#include "weft/core/allocator.h"

#include <cstdlib>
#include <new>

namespace weft {

size_t CachingHostAllocator::round_size(size_t nbytes) {
  if (nbytes == 0) nbytes = 1;
  // Small sizes: multiples of 64 bytes. Larger: 8 buckets per power of two,
  // so at most 12.5% of a block is slack.
  if (nbytes <= 4096) return (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  size_t p = 1;
  while (p * 2 <= nbytes) p *= 2;
  size_t step = p / 8;
  return (nbytes + step - 1) / step * step;
}

CachingHostAllocator::~CachingHostAllocator() { empty_cache(); }

void* CachingHostAllocator::allocate(size_t nbytes) {
  size_t sz = round_size(nbytes);
  std::lock_guard<std::mutex> lock(mu_);
  if (limit_ > 0 && stats_.bytes_in_use + sz > limit_) throw AllocationLimitExceeded(sz, stats_.bytes_in_use, limit_);
  stats_.requests++;
  void* p = nullptr;
  auto it = free_.find(sz);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.bytes_cached -= sz;
  } else {
    p = std::aligned_alloc(kAlignment, sz);
    if (!p) {
      // Give the cache back and try once more before failing.
      for (auto& [s, v] : free_)
        for (void* q : v) std::free(q);
      free_.clear();
      stats_.bytes_cached = 0;
      p = std::aligned_alloc(kAlignment, sz);
      if (!p) throw std::bad_alloc();
    }
    stats_.system_allocs++;
  }
  stats_.bytes_in_use += sz;
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  return p;
}

void CachingHostAllocator::deallocate(void* p, size_t nbytes) {
  if (!p) return;
  size_t sz = round_size(nbytes);
  std::lock_guard<std::mutex> lock(mu_);
  free_[sz].push_back(p);
  stats_.bytes_in_use -= sz;
  stats_.bytes_cached += sz;
}

size_t CachingHostAllocator::set_limit(size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t old = limit_;
  limit_ = limit;
  return old;
}

AllocatorStats CachingHostAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingHostAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [s, v] : free_)
    for (void* q : v) std::free(q);
  free_.clear();
  stats_.bytes_cached = 0;
}

void CachingHostAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.peak_bytes_in_use = stats_.bytes_in_use;
}

CachingHostAllocator& host_allocator() {
  // Leaked on purpose: tensors held by static objects may be freed after main().
  static auto* a = new CachingHostAllocator();
  return *a;
}

}  // namespace weft
