// CPU FFT kernels on FFTW3: rfft / irfft along the last dim, and the FFT sequence
// convolution a [..., T] ⊛ v [..., T, D] (circular, or causal: an exactly causal
// online product forward, a zero-padded transform backward) with its backward.
//
// Plans: FFTW's planner is not thread-safe, so plans live in one process-wide cache
// keyed by (length, precision, kind) behind a mutex, made with FFTW_ESTIMATE (no
// timing, so the same plan every run) and never destroyed. Executing a plan is
// thread-safe through the new-array execute functions, which OpenMP threads call on
// their own scratch buffers. The plans are made for SIMD-aligned arrays and every
// execute runs on fftw_malloc'd scratch whose slices keep that alignment: this keeps
// FFTW's SIMD codelets (FFTW_UNALIGNED disables them and measured ~2× slower here)
// at the price of an O(n) copy in and out, which the gathers need anyway.
// Determinism: every output element is produced by one thread with a fixed plan and
// a fixed operation order; cross-channel sums (ga) go through per-block partial
// spectra summed in block order. Results do not depend on the thread count.
#include <fftw3.h>
#include <omp.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "../../fft_length.h"
#include "../cpu_backend.h"
#include "../strided_loop.h"

namespace weft::cpu {

namespace {

enum class Kind : int { r2c = 0, c2r = 1 };

template <typename T>
struct Fftw;

template <>
struct Fftw<double> {
  using Plan = fftw_plan;
  using Cpx = fftw_complex;
  static Plan make(Kind k, int n, double* r, Cpx* c) {
    return k == Kind::r2c ? fftw_plan_dft_r2c_1d(n, r, c, FFTW_ESTIMATE)
                          : fftw_plan_dft_c2r_1d(n, c, r, FFTW_ESTIMATE);
  }
  static void r2c(Plan p, double* in, double* out) { fftw_execute_dft_r2c(p, in, reinterpret_cast<Cpx*>(out)); }
  static void c2r(Plan p, double* in, double* out) { fftw_execute_dft_c2r(p, reinterpret_cast<Cpx*>(in), out); }
};

template <>
struct Fftw<float> {
  using Plan = fftwf_plan;
  using Cpx = fftwf_complex;
  static Plan make(Kind k, int n, float* r, Cpx* c) {
    return k == Kind::r2c ? fftwf_plan_dft_r2c_1d(n, r, c, FFTW_ESTIMATE)
                          : fftwf_plan_dft_c2r_1d(n, c, r, FFTW_ESTIMATE);
  }
  static void r2c(Plan p, float* in, float* out) { fftwf_execute_dft_r2c(p, in, reinterpret_cast<Cpx*>(out)); }
  static void c2r(Plan p, float* in, float* out) { fftwf_execute_dft_c2r(p, reinterpret_cast<Cpx*>(in), out); }
};

// fftw_malloc'd (SIMD-aligned) array of `count` T. Allocated before any parallel
// region so a failure throws on the calling thread.
template <typename T>
class AlignedBuf {
 public:
  explicit AlignedBuf(int64_t count)
      : p_(static_cast<T*>(fftw_malloc(sizeof(T) * static_cast<size_t>(std::max<int64_t>(count, 1))))) {
    if (!p_) throw std::bad_alloc();
  }
  ~AlignedBuf() { fftw_free(p_); }
  AlignedBuf(const AlignedBuf&) = delete;
  AlignedBuf& operator=(const AlignedBuf&) = delete;
  T* get() const { return p_; }

 private:
  T* p_;
};

// `count` elements rounded up to a multiple of 64 bytes, so slices of an AlignedBuf
// laid out with this stride keep the alignment the plans were made for.
template <typename T>
int64_t padded(int64_t count) {
  constexpr int64_t per_line = 64 / static_cast<int64_t>(sizeof(T));
  return std::max<int64_t>(per_line, (count + per_line - 1) / per_line * per_line);
}

std::mutex& plan_mutex() {
  static std::mutex m;
  return m;
}

// The cached plan for a length-n transform of precision T (one cache per T, so the
// key is (n, precision, kind)).
template <typename T>
typename Fftw<T>::Plan get_plan(int64_t n, Kind kind, const char* op) {
  WEFT_CHECK(n >= 1 && n <= INT_MAX, ValueError, op, ": transform length ", n, " is outside FFTW's range [1, ",
             INT_MAX, "]");
  std::lock_guard<std::mutex> lock(plan_mutex());
  // Never destroyed (plans must outlive every caller, including static destructors);
  // held through a pointer so leak checkers see the plans as still reachable.
  static auto* cache = new std::map<std::pair<int64_t, int>, typename Fftw<T>::Plan>();
  const auto key = std::make_pair(n, static_cast<int>(kind));
  if (auto it = cache->find(key); it != cache->end()) return it->second;
  // FFTW_ESTIMATE never touches the arrays; they only tell the planner the alignment.
  AlignedBuf<T> r(n), c(2 * (n / 2 + 1));
  auto plan = Fftw<T>::make(kind, static_cast<int>(n), r.get(), reinterpret_cast<typename Fftw<T>::Cpx*>(c.get()));
  WEFT_CHECK(plan != nullptr, Error, op, ": FFTW could not plan a transform of length ", n);
  cache->emplace(key, plan);
  return plan;
}

int max_threads() { return omp_in_parallel() ? 1 : std::max(1, omp_get_max_threads()); }

// Channels of v handled together by one work item: the gather of a [T, kChanBlock]
// tile reads whole cache lines of the row-major [T, D] block.
constexpr int64_t kChanBlock = 8;

// Shared sizes of fft_conv / fft_conv_backward.
struct ConvDims {
  int64_t R = 0, T = 0, D = 0;  // rows (leading dims), sequence length, channels
  int64_t L = 0, F = 0;         // transform length, rfft bins
  int64_t nblk = 0;             // channel blocks per row
};

ConvDims conv_dims(const Tensor& a, const Tensor& v, bool causal, const char* op) {
  ConvDims c;
  WEFT_CHECK(a.dim() >= 1 && v.dim() == a.dim() + 1, ShapeError, op, ": expected a [..., T] and v [..., T, D], got ",
             a.describe(), " and ", v.describe());
  c.T = a.shape().back();
  c.D = v.shape().back();
  c.R = c.T ? a.numel() / c.T : 0;
  WEFT_CHECK(v.shape()[v.dim() - 2] == c.T && v.numel() == c.R * c.T * c.D, ShapeError, op,
             ": a and v must share the leading dims and T, got ", a.describe(), " and ", v.describe());
  c.L = causal ? causal_fft_length(c.T) : c.T;
  c.F = c.L / 2 + 1;
  c.nblk = (c.D + kChanBlock - 1) / kChanBlock;
  return c;
}

// Spectra of each row of a (zero-padded to L) into `spec` (R slices of stride sc).
template <typename T>
void row_spectra(const T* a, const ConvDims& c, typename Fftw<T>::Plan fwd, T* spec, int64_t sc) {
  const int nt = max_threads();
  const int64_t sr = padded<T>(c.L);
  AlignedBuf<T> scratch(nt * sr);
#pragma omp parallel for schedule(static) num_threads(nt) if (c.R * c.L > kParallelGrain)
  for (int64_t r = 0; r < c.R; ++r) {
    T* buf = scratch.get() + omp_get_thread_num() * sr;
    std::memcpy(buf, a + r * c.T, sizeof(T) * static_cast<size_t>(c.T));
    std::fill(buf + c.T, buf + c.L, T(0));
    Fftw<T>::r2c(fwd, buf, spec + r * sc);
  }
}

// Gathers channels [d0, d0+w) of the row-major [T, D] block `src` into w columns of
// `buf` (stride sr), zero-padded to L.
template <typename T>
void gather_block(const T* src, const ConvDims& c, int64_t d0, int64_t w, T* buf, int64_t sr) {
  for (int64_t t = 0; t < c.T; ++t) {
    const T* s = src + t * c.D + d0;
    for (int64_t k = 0; k < w; ++k) buf[k * sr + t] = s[k];
  }
  for (int64_t k = 0; k < w; ++k) std::fill(buf + k * sr + c.T, buf + k * sr + c.L, T(0));
}

// Writes the first T samples of the w columns of `buf`, times `scale`, to channels
// [d0, d0+w) of the row-major [T, D] block `dst`.
template <typename T>
void scatter_block(const T* buf, int64_t sr, const ConvDims& c, int64_t d0, int64_t w, T scale, T* dst) {
  for (int64_t t = 0; t < c.T; ++t) {
    T* o = dst + t * c.D + d0;
    for (int64_t k = 0; k < w; ++k) o[k] = buf[k * sr + t] * scale;
  }
}

// x ← x·y (conj_y: x ← x·conj(y)) on F interleaved complex bins.
template <typename T>
void cmul(T* x, const T* y, int64_t F, bool conj_y) {
  const T s = conj_y ? T(-1) : T(1);
  for (int64_t k = 0; k < F; ++k) {
    const T xr = x[2 * k], xi = x[2 * k + 1], yr = y[2 * k], yi = s * y[2 * k + 1];
    x[2 * k] = xr * yr - xi * yi;
    x[2 * k + 1] = xr * yi + xi * yr;
  }
}

// Exactly causal forward of the causal convolution --------------------------
// out_i = Σ_{k=0}^{i} a_k v_{i−k} where a and v both come from tokens (CAT's causal
// variant, the CAT paper). One zero-padded FFT of the whole sequence is causal only
// up to rounding: every output picks up ~1e-7 (f32) of noise from future tokens, so a
// model could in principle read the future through it. The online ("relaxed")
// product (van der Hoeven 1997; the divide-and-conquer online convolution) instead
// splits the pairs (j, k), j + k = i, into blocks that only read inputs earlier than
// every output they write: perturbing token t leaves out_0..out_{t−1} bitwise
// unchanged. Cost O(T log² T) instead of O(T log T).
//
// Over N = 2^n ≥ T (inputs past T are zero, outputs past T dropped), with leaves of
// kLeaf positions and, for every node [l, r) of width s ≥ 2·kLeaf, m = l + s/2:
//   l = 0: a[0, m) ⊛ v[0, m)                         → outputs [m, r)
//   l > 0: a[l, m) ⊛ v[0, s)  +  a[0, s) ⊛ v[l, m)   → outputs [m, r)   (s ≤ l)
// and at a leaf [l, l + kLeaf) the remaining pairs directly: all of them when l = 0,
// else those with j ≥ l or k ≥ l. A node's products read indices < m only. Each
// product needs a length-s circular convolution: the wrapped terms land below s/2,
// outside the kept outputs. The spectra of the prefixes a[0, s), v[0, s) are shared
// by all nodes of a level.
constexpr int64_t kLeaf = 32;

template <typename T>
void online_causal_conv(const Tensor& a, const Tensor& v, const ConvDims& c, Tensor& out) {
  int64_t N = kLeaf;
  while (N < c.T) N *= 2;
  const int nt = max_threads();
  const int64_t sr = padded<T>(N), sc = padded<T>(2 * (N / 2 + 1));
  // Per thread: a-prefix and a-segment spectra, kChanBlock v-prefix spectra, one
  // segment spectrum, one real work row.
  const int64_t per_thread = (3 + kChanBlock) * sc + sr;
  AlignedBuf<T> scratch(nt * per_thread);
  const T* ai = a.data<T>();
  const T* vi = v.data<T>();
  T* o = out.data<T>();
  std::fill(o, o + out.numel(), T(0));
  // Plans of every level, made before the parallel region (planning may throw).
  std::vector<std::pair<typename Fftw<T>::Plan, typename Fftw<T>::Plan>> plans;
  for (int64_t s = 2 * kLeaf; s <= N; s *= 2)
    plans.emplace_back(get_plan<T>(s, Kind::r2c, "fft_conv"), get_plan<T>(s, Kind::c2r, "fft_conv"));
  const int64_t items = c.R * c.nblk;
#pragma omp parallel for schedule(static) num_threads(nt) if (c.R * c.T * c.D > kParallelGrain)
  for (int64_t it = 0; it < items; ++it) {
    const int64_t r = it / c.nblk, d0 = (it % c.nblk) * kChanBlock, w = std::min(kChanBlock, c.D - d0);
    const T* ar = ai + r * c.T;
    const T* vr = vi + r * c.T * c.D;
    T* orow = o + r * c.T * c.D;
    T* apre = scratch.get() + omp_get_thread_num() * per_thread;
    T* aseg = apre + sc;
    T* spec = aseg + sc;
    T* vpre = spec + sc;  // kChanBlock spectra
    T* row = vpre + kChanBlock * sc;
    auto at = [&](int64_t j) { return j < c.T ? ar[j] : T(0); };
    auto vat = [&](int64_t j, int64_t d) { return j < c.T ? vr[j * c.D + d] : T(0); };
    // Leaves.
    for (int64_t l = 0; l < c.T; l += kLeaf) {
      for (int64_t i = l; i < std::min(l + kLeaf, c.T); ++i)
        for (int64_t d = d0; d < d0 + w; ++d) {
          T acc = 0;
          if (l == 0) {
            for (int64_t j = 0; j <= i; ++j) acc += ar[j] * vr[(i - j) * c.D + d];
          } else {
            for (int64_t j = l; j <= i; ++j) acc += ar[j] * vr[(i - j) * c.D + d];
            for (int64_t k = l; k <= i; ++k) acc += ar[i - k] * vr[k * c.D + d];
          }
          orow[i * c.D + d] += acc;
        }
    }
    // Levels of width s: r2c of `len` samples from `src(t)` zero-padded to s.
    size_t level = 0;
    for (int64_t s = 2 * kLeaf; s <= N; s *= 2, ++level) {
      const int64_t h = s / 2, F = s / 2 + 1;
      const auto fwd = plans[level].first, inv = plans[level].second;
      auto transform = [&](int64_t len, auto src, T* dst) {
        for (int64_t t = 0; t < len; ++t) row[t] = src(t);
        std::fill(row + len, row + s, T(0));
        Fftw<T>::r2c(fwd, row, dst);
      };
      const T scale = T(1) / static_cast<T>(s);
      // Adds samples [h, s) of the inverse of `spec`, scaled, to outputs m.. of channel d.
      auto emit = [&](int64_t m, int64_t d) {
        Fftw<T>::c2r(inv, spec, row);
        for (int64_t t = 0; t < h && m + t < c.T; ++t) orow[(m + t) * c.D + d] += row[h + t] * scale;
      };
      if (h < c.T) {  // the l = 0 node
        transform(h, at, apre);
        for (int64_t k = 0; k < w; ++k) {
          transform(h, [&](int64_t t) { return vat(t, d0 + k); }, spec);
          cmul(spec, apre, F, false);
          emit(h, d0 + k);
        }
      }
      bool have_prefix = false;
      for (int64_t l = s; l + h < c.T; l += s) {
        if (!have_prefix) {  // spectra of a[0, s) and v[0, s), shared by the level's nodes
          transform(s, at, apre);
          for (int64_t k = 0; k < w; ++k) transform(s, [&](int64_t t) { return vat(t, d0 + k); }, vpre + k * sc);
          have_prefix = true;
        }
        transform(h, [&](int64_t t) { return at(l + t); }, aseg);
        for (int64_t k = 0; k < w; ++k) {
          transform(h, [&](int64_t t) { return vat(l + t, d0 + k); }, spec);
          cmul(spec, apre, F, false);  // a[0, s) ⊛ v[l, m)
          const T* vp = vpre + k * sc;
          for (int64_t f = 0; f < F; ++f) {  // + a[l, m) ⊛ v[0, s)
            spec[2 * f] += aseg[2 * f] * vp[2 * f] - aseg[2 * f + 1] * vp[2 * f + 1];
            spec[2 * f + 1] += aseg[2 * f] * vp[2 * f + 1] + aseg[2 * f + 1] * vp[2 * f];
          }
          emit(l + h, d0 + k);
        }
      }
    }
  }
}

}  // namespace

void CpuBackend::rfft(const Tensor& x, Tensor& out) {
  require_contiguous(x, "rfft", "x");
  require_contiguous(out, "rfft", "out");
  dispatch_floating(x.dtype(), "rfft", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = x.shape().empty() ? 1 : x.shape().back();
    if (n == 0 || x.numel() == 0) return;
    const int64_t R = x.numel() / n, F = n / 2 + 1;
    WEFT_CHECK(out.numel() == R * F * 2, ShapeError, "rfft: out ", out.describe(), " must be [..., ", F,
               ", 2] for x ", x.describe());
    const auto plan = get_plan<T>(n, Kind::r2c, "rfft");
    const int nt = max_threads();
    const int64_t sr = padded<T>(n), sc = padded<T>(2 * F);
    AlignedBuf<T> scratch(nt * (sr + sc));
    const T* xi = x.data<T>();
    T* o = out.data<T>();
#pragma omp parallel for schedule(static) num_threads(nt) if (x.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      T* in = scratch.get() + omp_get_thread_num() * (sr + sc);
      T* spec = in + sr;
      std::memcpy(in, xi + r * n, sizeof(T) * static_cast<size_t>(n));
      Fftw<T>::r2c(plan, in, spec);
      std::memcpy(o + r * 2 * F, spec, sizeof(T) * static_cast<size_t>(2 * F));
    }
  });
}

void CpuBackend::irfft(const Tensor& x, int64_t n, Tensor& out) {
  require_contiguous(x, "irfft", "x");
  require_contiguous(out, "irfft", "out");
  dispatch_floating(x.dtype(), "irfft", [&](auto tag) {
    using T = decltype(tag);
    if (n <= 0 || out.numel() == 0) return;
    const int64_t F = n / 2 + 1, R = out.numel() / n;
    WEFT_CHECK(x.numel() == R * F * 2 && out.numel() == R * n, ShapeError, "irfft: x ", x.describe(), " must be [..., ",
               F, ", 2] for ", n, " output samples, out ", out.describe());
    const auto plan = get_plan<T>(n, Kind::c2r, "irfft");
    const int nt = max_threads();
    const int64_t sr = padded<T>(n), sc = padded<T>(2 * F);
    AlignedBuf<T> scratch(nt * (sr + sc));
    const T* xi = x.data<T>();
    T* o = out.data<T>();
    const T scale = T(1) / static_cast<T>(n);
#pragma omp parallel for schedule(static) num_threads(nt) if (out.numel() > kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      T* res = scratch.get() + omp_get_thread_num() * (sr + sc);
      T* spec = res + sr;
      // c2r overwrites its input, and x must survive: transform a copy.
      std::memcpy(spec, xi + r * 2 * F, sizeof(T) * static_cast<size_t>(2 * F));
      // A real signal has real DC and Nyquist bins; drop their imaginary parts explicitly
      // rather than rely on what c2r does with them.
      spec[1] = 0;
      if (n % 2 == 0) spec[2 * (F - 1) + 1] = 0;
      Fftw<T>::c2r(plan, spec, res);
      T* orow = o + r * n;
      for (int64_t j = 0; j < n; ++j) orow[j] = res[j] * scale;
    }
  });
}

// Circular: Out_d = A · V_d per bin (convolution theorem), then (1/L)·c2r. Causal:
// the exactly causal online product above (the backward needs no causality and
// keeps the single zero-padded transform).
void CpuBackend::fft_conv(const Tensor& a, const Tensor& v, bool causal, Tensor& out) {
  require_contiguous(a, "fft_conv", "a");
  require_contiguous(v, "fft_conv", "v");
  require_contiguous(out, "fft_conv", "out");
  dispatch_floating(v.dtype(), "fft_conv", [&](auto tag) {
    using T = decltype(tag);
    const ConvDims c = conv_dims(a, v, causal, "fft_conv");
    WEFT_CHECK(out.numel() == v.numel(), ShapeError, "fft_conv: out ", out.describe(), " must match v ", v.describe());
    if (c.R == 0 || c.D == 0) return;
    if (causal) return online_causal_conv<T>(a, v, c, out);
    const auto fwd = get_plan<T>(c.L, Kind::r2c, "fft_conv");
    const auto inv = get_plan<T>(c.L, Kind::c2r, "fft_conv");
    const int64_t sr = padded<T>(c.L), sc = padded<T>(2 * c.F);
    AlignedBuf<T> aspec(c.R * sc);
    row_spectra(a.data<T>(), c, fwd, aspec.get(), sc);

    const int nt = max_threads();
    const int64_t per_thread = kChanBlock * sr + sc;
    AlignedBuf<T> scratch(nt * per_thread);
    const T* vi = v.data<T>();
    T* o = out.data<T>();
    const T scale = T(1) / static_cast<T>(c.L);
    const int64_t items = c.R * c.nblk;
#pragma omp parallel for schedule(static) num_threads(nt) if (c.R * c.L * c.D > kParallelGrain)
    for (int64_t it = 0; it < items; ++it) {
      const int64_t r = it / c.nblk, d0 = (it % c.nblk) * kChanBlock, w = std::min(kChanBlock, c.D - d0);
      T* buf = scratch.get() + omp_get_thread_num() * per_thread;
      T* spec = buf + kChanBlock * sr;
      gather_block(vi + r * c.T * c.D, c, d0, w, buf, sr);
      for (int64_t k = 0; k < w; ++k) {
        Fftw<T>::r2c(fwd, buf + k * sr, spec);
        cmul(spec, aspec.get() + r * sc, c.F, false);
        Fftw<T>::c2r(inv, spec, buf + k * sr);
      }
      scatter_block(buf, sr, c, d0, w, scale, o + r * c.T * c.D);
    }
  });
}

// With out_i = Σ_j a_{i−j} v_j (indices mod L, zero padding past T) and loss Σ_i g_i·out_i:
//   gv_j = Σ_i g_i a_{i−j}           → GV_d = conj(A) · G_d   (cross-correlation)
//   ga_m = Σ_d Σ_i g_{i,d} v_{i−m,d}  → GA   = Σ_d conj(V_d) · G_d
// for real signals; each inverse is (1/L)·c2r and keeps the first T samples. In the
// causal case g is zero-padded past T and L ≥ 2T−1, so a negative lag i−j wraps to
// ≥ T where a (and v) are zero: the truncated sums come out exactly.
void CpuBackend::fft_conv_backward(const Tensor& a, const Tensor& v, const Tensor& gout, bool causal, Tensor& ga,
                                   Tensor& gv) {
  require_contiguous(a, "fft_conv_backward", "a");
  require_contiguous(v, "fft_conv_backward", "v");
  require_contiguous(gout, "fft_conv_backward", "gout");
  require_contiguous(ga, "fft_conv_backward", "ga");
  require_contiguous(gv, "fft_conv_backward", "gv");
  dispatch_floating(v.dtype(), "fft_conv_backward", [&](auto tag) {
    using T = decltype(tag);
    const ConvDims c = conv_dims(a, v, causal, "fft_conv_backward");
    WEFT_CHECK(gout.numel() == v.numel() && gv.numel() == v.numel() && ga.numel() == a.numel(), ShapeError,
               "fft_conv_backward: gout ", gout.describe(), " and gv ", gv.describe(), " must match v ", v.describe(),
               ", ga ", ga.describe(), " must match a ", a.describe());
    if (c.R == 0) return;
    T* gai = ga.data<T>();
    if (c.D == 0) {  // no channels: nothing flows back to a
      std::fill(gai, gai + ga.numel(), T(0));
      return;
    }
    const auto fwd = get_plan<T>(c.L, Kind::r2c, "fft_conv_backward");
    const auto inv = get_plan<T>(c.L, Kind::c2r, "fft_conv_backward");
    const int64_t sr = padded<T>(c.L), sc = padded<T>(2 * c.F);
    AlignedBuf<T> aspec(c.R * sc);
    row_spectra(a.data<T>(), c, fwd, aspec.get(), sc);

    // Phase 1, per (row, channel block): gv, and the block's share of GA in `partial`.
    const int nt = max_threads();
    const int64_t per_thread = 2 * kChanBlock * sr + 2 * sc;
    AlignedBuf<T> scratch(nt * per_thread);
    AlignedBuf<T> partial(c.R * c.nblk * sc);
    const T* vi = v.data<T>();
    const T* gi = gout.data<T>();
    T* gvo = gv.data<T>();
    const T scale = T(1) / static_cast<T>(c.L);
    const int64_t items = c.R * c.nblk;
#pragma omp parallel for schedule(static) num_threads(nt) if (c.R * c.L * c.D > kParallelGrain)
    for (int64_t it = 0; it < items; ++it) {
      const int64_t r = it / c.nblk, d0 = (it % c.nblk) * kChanBlock, w = std::min(kChanBlock, c.D - d0);
      T* vbuf = scratch.get() + omp_get_thread_num() * per_thread;
      T* gbuf = vbuf + kChanBlock * sr;
      T* vspec = gbuf + kChanBlock * sr;
      T* gspec = vspec + sc;
      T* acc = partial.get() + it * sc;
      std::fill(acc, acc + 2 * c.F, T(0));
      gather_block(vi + r * c.T * c.D, c, d0, w, vbuf, sr);
      gather_block(gi + r * c.T * c.D, c, d0, w, gbuf, sr);
      for (int64_t k = 0; k < w; ++k) {
        Fftw<T>::r2c(fwd, vbuf + k * sr, vspec);
        Fftw<T>::r2c(fwd, gbuf + k * sr, gspec);
        for (int64_t f = 0; f < c.F; ++f) {  // acc += conj(V)·G
          const T vr = vspec[2 * f], vim = vspec[2 * f + 1], gr = gspec[2 * f], gim = gspec[2 * f + 1];
          acc[2 * f] += vr * gr + vim * gim;
          acc[2 * f + 1] += vr * gim - vim * gr;
        }
        cmul(gspec, aspec.get() + r * sc, c.F, true);
        Fftw<T>::c2r(inv, gspec, gbuf + k * sr);
      }
      scatter_block(gbuf, sr, c, d0, w, scale, gvo + r * c.T * c.D);
    }

    // Phase 2, per row: GA = Σ_blocks partial (in block order), then the inverse.
    const int64_t per_thread2 = sr + sc;
    AlignedBuf<T> scratch2(nt * per_thread2);
#pragma omp parallel for schedule(static) num_threads(nt) if (c.R * c.L * c.nblk > kParallelGrain)
    for (int64_t r = 0; r < c.R; ++r) {
      T* res = scratch2.get() + omp_get_thread_num() * per_thread2;
      T* spec = res + sr;
      const T* p = partial.get() + r * c.nblk * sc;
      std::memcpy(spec, p, sizeof(T) * static_cast<size_t>(2 * c.F));
      for (int64_t b = 1; b < c.nblk; ++b)
        for (int64_t f = 0; f < 2 * c.F; ++f) spec[f] += p[b * sc + f];
      Fftw<T>::c2r(inv, spec, res);
      T* orow = gai + r * c.T;
      for (int64_t t = 0; t < c.T; ++t) orow[t] = res[t] * scale;
    }
  });
}

}  // namespace weft::cpu
