// Micro-benchmarks of the tensor core (built by CMake, never run by ctest).
// Run through scripts/bench_core.sh, which prints the ratios the core issue asks
// for: weft matmul vs raw OpenBLAS sgemm, fused kernels' GB/s vs memcpy, and
// fused attention vs PyTorch's unfused attention.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "weft/autograd/grad_mode.h"
#include "weft/core/allocator.h"
#include "weft/ops/ops.h"

using namespace weft;

namespace {

Tensor randn(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return Tensor::normal(s, 0, 1, DType::f32, &g);
}

// Shapes of a linear layer x[4096,512] @ W[512,2048] and its two backward products.
struct GemmShape {
  int64_t M, K, N;
  bool ta, tb;
};
const GemmShape kGemm[] = {
    {4096, 512, 2048, false, false},  // forward  y = x W
    {4096, 2048, 512, false, true},   // backward dx = dy Wᵀ
    {512, 4096, 2048, true, false},   // backward dW = xᵀ dy
};

void BM_sgemm_openblas(benchmark::State& st) {
  const GemmShape& g = kGemm[st.range(0)];
  std::vector<float> a(g.M * g.K), b(g.K * g.N), c(g.M * g.N);
  for (size_t i = 0; i < a.size(); ++i) a[i] = float(i % 7) * 0.1f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = float(i % 5) * 0.1f;
  for (auto _ : st) {
    cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, g.M, g.N, g.K,
                1.0f, a.data(), g.ta ? g.M : g.K, b.data(), g.tb ? g.K : g.N, 0.0f, c.data(), g.N);
    benchmark::DoNotOptimize(c.data());
  }
  st.counters["GFLOPs"] = benchmark::Counter(2.0 * g.M * g.N * g.K, benchmark::Counter::kIsIterationInvariantRate,
                                             benchmark::Counter::kIs1000);
}

void BM_matmul_weft(benchmark::State& st) {
  const GemmShape& g = kGemm[st.range(0)];
  NoGradGuard ng;
  // Transposed operands are views of row-major storage, as in a real backward.
  Tensor a = g.ta ? transpose(randn({g.K, g.M}, 1), 0, 1) : randn({g.M, g.K}, 1);
  Tensor b = g.tb ? transpose(randn({g.N, g.K}, 2), 0, 1) : randn({g.K, g.N}, 2);
  for (auto _ : st) {
    Tensor c = matmul(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  st.counters["GFLOPs"] = benchmark::Counter(2.0 * g.M * g.N * g.K, benchmark::Counter::kIsIterationInvariantRate,
                                             benchmark::Counter::kIs1000);
}

// The machine's copy bandwidth with the same threads the kernels use: each
// thread memcpy's its own contiguous half (64 MB in all, beyond the L3 cache).
void BM_memcpy(benchmark::State& st) {
  const size_t n = size_t(64) << 20;
  std::vector<char> a(n, 1), b(n, 0);
  for (auto _ : st) {
#pragma omp parallel
    {
      const size_t nt = static_cast<size_t>(omp_get_num_threads()), t = static_cast<size_t>(omp_get_thread_num());
      const size_t chunk = (n + nt - 1) / nt, begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
      std::memcpy(b.data() + begin, a.data() + begin, end - begin);
    }
    benchmark::DoNotOptimize(b.data());
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * 2 * int64_t(n));  // read + write
}

// Forward + backward of a fused op; `bytes` = minimal traffic of both passes.
template <typename F>
void fwd_bwd(benchmark::State& st, Tensor x, F f, int64_t bytes) {
  x.set_requires_grad(true);
  Tensor gy;
  for (auto _ : st) {
    Tensor y = f(x);
    if (!gy.defined()) gy = Tensor::ones(y.shape(), y.dtype());
    y.backward(gy);
    x.zero_grad();
  }
  st.SetBytesProcessed(int64_t(st.iterations()) * bytes);
}

void BM_layer_norm_fwd_bwd(benchmark::State& st) {
  const int64_t R = 16384, C = 1024;  // 64 MB: beyond the L3 cache, like the memcpy
  Tensor w = Tensor::ones({C});
  Tensor b = Tensor::zeros({C});
  // fwd: read x, write y; bwd: read x, gy, write gx (per-row stats are negligible).
  fwd_bwd(st, randn({R, C}, 3), [&](const Tensor& x) { return layer_norm(x, w, b); }, 5 * R * C * 4);
}

void BM_softmax_fwd_bwd(benchmark::State& st) {
  const int64_t R = 16384, C = 1024;  // 64 MB: beyond the L3 cache, like the memcpy
  // fwd: read x, write y; bwd: read y, gy, write gx.
  fwd_bwd(st, randn({R, C}, 4), [](const Tensor& x) { return softmax(x); }, 5 * R * C * 4);
}

void BM_gelu_fwd_bwd(benchmark::State& st) {
  const int64_t N = int64_t(16384) * 1024;  // 64 MB
  // fwd: read x, write y; bwd: read x, gy, write gx (the derivative recomputes tanh from x).
  fwd_bwd(st, randn({N}, 5), [](const Tensor& x) { return gelu(x); }, 5 * N * 4);
}

void BM_causal_attention_fwd_bwd(benchmark::State& st) {
  const int64_t B = 1, H = 8, T = st.range(0), D = 64;
  Tensor q = randn({B, H, T, D}, 6).set_requires_grad(true);
  Tensor k = randn({B, H, T, D}, 7).set_requires_grad(true);
  Tensor v = randn({B, H, T, D}, 8).set_requires_grad(true);
  Tensor go = Tensor::ones({B, H, T, D});
  host_allocator().reset_peak();
  const uint64_t base = host_allocator().stats().bytes_in_use;
  for (auto _ : st) {
    Tensor o = causal_attention(q, k, v);
    o.backward(go);
    q.zero_grad();
    k.zero_grad();
    v.zero_grad();
  }
  // Everything the op keeps beyond its inputs: out, lse, gradients, scratch.
  st.counters["peak_MB"] = double(host_allocator().stats().peak_bytes_in_use - base) / 1e6;
}

void BM_steady_state_mallocs(benchmark::State& st) {
  // A small transformer-like step; counts system allocations after warm-up.
  Tensor w = randn({256, 256}, 9).set_requires_grad(true);
  Tensor x = randn({8, 64, 256}, 10);
  auto step = [&] {
    Tensor loss = mean(gelu(matmul(layer_norm(x, Tensor(), Tensor()), w)));
    loss.backward();
    w.zero_grad();
  };
  step();
  step();
  const uint64_t before = host_allocator().stats().system_allocs;
  for (auto _ : st) step();
  st.counters["system_allocs_per_step"] =
      double(host_allocator().stats().system_allocs - before) / double(st.iterations());
}

}  // namespace

BENCHMARK(BM_sgemm_openblas)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_matmul_weft)->DenseRange(0, 2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_memcpy)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_layer_norm_fwd_bwd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_softmax_fwd_bwd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_gelu_fwd_bwd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_causal_attention_fwd_bwd)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_steady_state_mallocs)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
