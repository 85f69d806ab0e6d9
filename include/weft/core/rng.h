// defines: philox4x32 (the Philox-4x32-10 block function), PhiloxState, Generator,
// the per-element mapping to uniform / normal numbers used by every backend
// (philox_uniform, philox_uniform_range, philox_normal) and dropout_keeps.
//
// Counter-based: element i of a draw of size n from state (seed, offset) is a pure
// function of (seed, offset + i/4, i%4). Any device, any thread count, any order
// gives the same numbers, and the whole state is two integers a checkpoint stores.
// (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3".)
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define WEFT_HD __host__ __device__
#else
#define WEFT_HD
#endif

namespace weft {

struct Philox4x32 {
  uint32_t v[4];
};

// 10 rounds of Philox-4x32 on counter `ctr` (128 bits) with key `key` (64 bits).
WEFT_HD inline Philox4x32 philox4x32(uint64_t ctr_lo, uint64_t ctr_hi, uint64_t key) {
  uint32_t c0 = static_cast<uint32_t>(ctr_lo), c1 = static_cast<uint32_t>(ctr_lo >> 32);
  uint32_t c2 = static_cast<uint32_t>(ctr_hi), c3 = static_cast<uint32_t>(ctr_hi >> 32);
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = static_cast<uint64_t>(M0) * c0;
    uint64_t p1 = static_cast<uint64_t>(M1) * c2;
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += W0;
    k1 += W1;
  }
  return {{c0, c1, c2, c3}};
}

// Uniform in (0, 1]: never 0, so log() in Box-Muller is finite.
WEFT_HD inline double uint_to_unit(uint32_t x) { return (static_cast<double>(x) + 1.0) * (1.0 / 4294967296.0); }

// Stream position. `offset` counts 128-bit Philox blocks already consumed.
struct PhiloxState {
  uint64_t seed = 0;
  uint64_t offset = 0;
  bool operator==(const PhiloxState&) const = default;
};

// The i-th uniform in (0,1] of a draw starting at `s`.
WEFT_HD inline double philox_uniform(PhiloxState s, uint64_t i) {
  Philox4x32 r = philox4x32(s.offset + i / 4, 0, s.seed);
  return uint_to_unit(r.v[i % 4]);
}

// f(k, philox_uniform(s, first + k)) for k in [0, n), one Philox block per 4
// consecutive elements instead of one per element.
template <typename F>
WEFT_HD inline void philox_uniform_range(PhiloxState s, uint64_t first, int64_t n, F&& f) {
  int64_t k = 0;
  while (k < n) {
    const uint64_t i = first + static_cast<uint64_t>(k);
    const Philox4x32 r = philox4x32(s.offset + i / 4, 0, s.seed);
    for (uint64_t lane = i % 4; lane < 4 && k < n; ++lane, ++k) f(k, uint_to_unit(r.v[lane]));
  }
}

// Dropout's keep decision for a uniform u in (0, 1]: u > p keeps exactly a (1 − p)
// fraction in expectation. Every dropout (elementwise, attention) decides with it.
WEFT_HD inline bool dropout_keeps(double u, double p) { return u > p; }

// The i-th standard normal of a draw starting at `s` (Box-Muller on lane pairs).
WEFT_HD inline double philox_normal(PhiloxState s, uint64_t i) {
  Philox4x32 r = philox4x32(s.offset + i / 4, 0, s.seed);
  unsigned pair = (i % 4) / 2;
  double u1 = uint_to_unit(r.v[2 * pair]), u2 = uint_to_unit(r.v[2 * pair + 1]);
  double rad = std::sqrt(-2.0 * std::log(u1));
  double ang = 6.283185307179586476925286766559 * u2;
  return (i % 2 == 0) ? rad * std::cos(ang) : rad * std::sin(ang);
}

// A stream that hands out disjoint (seed, offset) ranges, one per draw.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : state_{seed, 0} {}
  // Reserves enough blocks for `n` numbers and returns where the draw starts.
  PhiloxState draw(uint64_t n) {
    PhiloxState s = state_;
    state_.offset += (n + 3) / 4;
    return s;
  }
  PhiloxState state() const { return state_; }
  void set_state(PhiloxState s) { state_ = s; }
  void manual_seed(uint64_t seed) { state_ = {seed, 0}; }

 private:
  PhiloxState state_;
};

// The process-wide default generator used when an op is not given one.
Generator& default_generator();

}  // namespace weft
