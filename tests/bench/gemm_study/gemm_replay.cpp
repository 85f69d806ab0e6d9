// Replays the f32 GEMM calls recorded by sgemm_trace.c (one or more training
// steps of `weft bench`) through OpenBLAS, libxsmm and oneDNN, and prints the time
// each library needs for the GEMMs of one step (issue 15, "the small-model GEMM
// floor"). Built and run by scripts/gemm_study.sh; not part of weft.
//
//   gemm_replay TRACE STEPS THREADS
//
// Calls that weft made inside an OpenMP parallel region (the attention tiles) are
// replayed the same way: THREADS threads, each running its share of the calls on
// its own buffers, the library single-threaded inside. The others run one after
// another with the library's own threading (libxsmm: row blocks of C over threads,
// since its JIT kernels are single-threaded; also on one thread where it has no
// kernel for the whole product). Square M = N = K >= 1024 calls are the
// bench's sgemm-peak probe, not the step, and are dropped.
#include <cblas.h>
#include <libxsmm.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

struct Call {
  bool ta = false, tb = false;
  int m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
  float alpha = 1, beta = 0;
  bool par = false;
  auto key() const { return std::tie(par, m, n, k, ta, tb, lda, ldb, ldc, alpha, beta); }
  bool operator<(const Call& o) const { return key() < o.key(); }
  size_t a_size() const { return static_cast<size_t>(ta ? k : m) * lda; }
  size_t b_size() const { return static_cast<size_t>(tb ? n : k) * ldb; }
  size_t c_size() const { return static_cast<size_t>(m) * ldc; }
};

struct Buffers {
  std::vector<float> a, b, c;
  explicit Buffers(const Call& s, unsigned seed) : a(s.a_size()), b(s.b_size()), c(s.c_size()) {
    std::mt19937 g(seed);
    std::normal_distribution<float> d(0.f, 1.f);
    for (auto* v : {&a, &b, &c})
      for (auto& x : *v) x = d(g);
  }
};

// One library: computes C = alpha·op(A)·op(B) + beta·C for a recorded call, the
// library single-threaded when `inner_threads` is 1.
struct Library {
  const char* name;
  std::function<bool(const Call&, const float*, const float*, float*, int inner_threads)> run;
};

void openblas_call(const Call& s, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.m, s.n, s.k, s.alpha,
              a, s.lda, b, s.ldb, s.beta, c, s.ldc);
}

// libxsmm is column-major: row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ,
// so B is its first operand. Its 1.17 JIT kernels take alpha = 1 and beta ∈ {0, 1}; a
// call with another alpha is timed with alpha = 1 (a port would fold the scale into
// the operand) and reported with '*'.
libxsmm_smmfunction xsmm_kernel(const Call& s, int rows) {
  static std::map<std::tuple<Call, int>, libxsmm_smmfunction> cache;
  auto it = cache.find({s, rows});
  if (it != cache.end()) return it->second;
  const libxsmm_blasint m = s.n, n = rows, k = s.k, lda = s.ldb, ldb = s.lda, ldc = s.ldc;
  const float alpha = 1.f, beta = s.beta;
  const int flags = (s.tb ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (s.ta ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
  const int prefetch = LIBXSMM_PREFETCH_NONE;
  libxsmm_smmfunction f = (beta == 0.f || beta == 1.f)
                              ? libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch)
                              : nullptr;
  cache[{s, rows}] = f;
  return f;
}

constexpr int kXsmmRows = 64;  // rows of C per kernel call when a call is split over threads

bool xsmm_call(const Call& s, const float* a, const float* b, float* c, int inner_threads) {
  if (inner_threads == 1 || s.m <= kXsmmRows) {
    if (libxsmm_smmfunction f = xsmm_kernel(s, s.m)) {
      f(b, a, c);
      return true;
    }
    if (s.m <= kXsmmRows) return false;
  }
  const int blocks = (s.m + kXsmmRows - 1) / kXsmmRows;
  const int tail = s.m - (blocks - 1) * kXsmmRows;
  libxsmm_smmfunction full = xsmm_kernel(s, kXsmmRows), last = xsmm_kernel(s, tail);
  if (!full || !last) return false;
#pragma omp parallel for num_threads(inner_threads) schedule(static)
  for (int bi = 0; bi < blocks; ++bi) {
    const int i0 = bi * kXsmmRows;
    const float* ai = s.ta ? a + i0 : a + static_cast<size_t>(i0) * s.lda;
    (bi == blocks - 1 ? last : full)(b, ai, c + static_cast<size_t>(i0) * s.ldc);
  }
  return true;
}

const std::vector<Library>& libraries() {
  static const std::vector<Library> libs = {
      {"OpenBLAS",
       [](const Call& s, const float* a, const float* b, float* c, int) {
         openblas_call(s, a, b, c);
         return true;
       }},
      {"libxsmm", xsmm_call},
      {"oneDNN",
       [](const Call& s, const float* a, const float* b, float* c, int) {
         return dnnl_sgemm(s.ta ? 'T' : 'N', s.tb ? 'T' : 'N', s.m, s.n, s.k, s.alpha, a, s.lda, b, s.ldb, s.beta, c,
                           s.ldc) == dnnl_success;
       }},
  };
  return libs;
}

// Largest |x - ref| / (|ref| + 1) of the library's C against OpenBLAS's (the kernel
// must compute the product, or its time means nothing); NaN-sensitive.
double check(const Library& lib, const Call& s0) {
  Call s = s0;
  s.alpha = 1.f;  // libxsmm runs alpha = 1; compare like with like
  Buffers x(s, 7);
  std::vector<float> ref = x.c, got = x.c;
  openblas_call(s, x.a.data(), x.b.data(), ref.data());
  if (!lib.run(s, x.a.data(), x.b.data(), got.data(), 1)) return -1;
  double worst = 0;
  for (int i = 0; i < s.m; ++i)
    for (int j = 0; j < s.n; ++j) {
      const size_t p = static_cast<size_t>(i) * s.ldc + j;
      const double e = std::fabs(double(got[p]) - ref[p]) / (std::fabs(double(ref[p])) + 1);
      if (!(e <= worst)) worst = std::isnan(e) ? INFINITY : e;
    }
  return worst;
}

// Seconds for `count` calls of one signature, as the step runs them.
double time_calls(const Library& lib, const Call& s, double count, int threads) {
  using clock = std::chrono::steady_clock;
  const int n = std::max(1, static_cast<int>(std::lround(count)));
  auto once = [&](std::vector<Buffers>& bufs) {
    bool ok = true;
    if (s.par && threads > 1) {
#pragma omp parallel num_threads(threads) reduction(&& : ok)
      {
        Buffers& b = bufs[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (int i = 0; i < n; ++i) ok = lib.run(s, b.a.data(), b.b.data(), b.c.data(), 1) && ok;
      }
    } else {
      for (int i = 0; i < n; ++i) ok = lib.run(s, bufs[0].a.data(), bufs[0].b.data(), bufs[0].c.data(), threads) && ok;
    }
    return ok;
  };
  std::vector<Buffers> bufs;
  for (int t = 0; t < threads; ++t) bufs.emplace_back(s, 11 + t);
  if (!once(bufs)) return NAN;
  double best = INFINITY;
  for (int trial = 0; trial < 3; ++trial) {
    int reps = 0;
    const auto t0 = clock::now();
    double el = 0;
    do {
      once(bufs);
      ++reps;
      el = std::chrono::duration<double>(clock::now() - t0).count();
    } while (el < 0.05);
    best = std::min(best, el / reps);
  }
  return best * count / n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gemm_replay TRACE STEPS THREADS\n");
    return 2;
  }
  const double steps = std::atof(argv[2]);
  const int threads = std::atoi(argv[3]);
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "gemm_replay: cannot read %s\n", argv[1]);
    return 1;
  }
  std::map<Call, double> calls;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    int order, ta, tb, par;
    Call c;
    if (!(ls >> order >> ta >> tb >> c.m >> c.n >> c.k >> c.lda >> c.ldb >> c.ldc >> c.alpha >> c.beta >> par) ||
        order != CblasRowMajor) {
      std::fprintf(stderr, "gemm_replay: %s: bad line '%s'\n", argv[1], line.c_str());
      return 1;
    }
    c.ta = ta == CblasTrans;
    c.tb = tb == CblasTrans;
    c.par = par != 0;
    if (c.m == c.n && c.n == c.k && c.m >= 1024) continue;  // the bench's peak probe
    calls[c] += 1.0 / steps;
  }
  libxsmm_init();
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
  const auto& libs = libraries();
  std::vector<double> total(libs.size(), 0.0);
  std::vector<bool> complete(libs.size(), true);
  double calls_per_step = 0;
  std::printf(
      "%d thread(s); microseconds per step for each call signature (M N K op(A) op(B) beta; 'par': "
      "inside a parallel region)\n",
      threads);
  std::printf("| calls/step | M×N×K | ops | β | par |");
  for (const auto& l : libs) std::printf(" %s µs |", l.name);
  std::printf(" best |\n|---:|---|---|---|---|");
  for (size_t i = 0; i < libs.size(); ++i) std::printf("---:|");
  std::printf("---|\n");
  for (const auto& [s, count] : calls) {
    calls_per_step += count;
    std::printf("| %.0f | %d×%d×%d | %c%c | %g | %s |", count, s.m, s.n, s.k, s.ta ? 'T' : 'N', s.tb ? 'T' : 'N',
                s.beta, s.par ? "yes" : "");
    size_t best = 0;
    std::vector<double> us(libs.size(), NAN);
    for (size_t i = 0; i < libs.size(); ++i) {
      const double err = check(libs[i], s);
      if (err < 0 || !(err <= 1e-4)) {
        std::printf(" %s |", err < 0 ? "n/a" : "WRONG");
        complete[i] = false;
        continue;
      }
      us[i] = 1e6 * time_calls(libs[i], s, count, threads);
      total[i] += us[i];
      std::printf(" %.0f%s |", us[i], (i == 1 && s.alpha != 1.f) ? "*" : "");
      if (!(us[best] <= us[i])) best = i;
    }
    std::printf(" %s |\n", libs[best].name);
  }
  std::printf("| **%.0f** | **per step** | | | |", calls_per_step);
  for (size_t i = 0; i < libs.size(); ++i) std::printf(" **%.0f**%s |", total[i], complete[i] ? "" : " (partial)");
  std::printf(" |\n");
  return 0;
}
