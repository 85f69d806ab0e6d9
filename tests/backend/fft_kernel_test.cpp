// The CPU FFT kernels against dense O(T²) references in double: rfft vs the direct
// DFT, irfft vs the direct inverse (including ignored DC / Nyquist imaginary parts),
// fft_conv circular and causal vs the direct sums, and fft_conv_backward vs the
// adjoint of those sums — for prime, odd, power-of-two and unit lengths, D = 1 and 3,
// a leading batch of 2×3; plus f32, multi-block channel counts and determinism.
#include <doctest/doctest.h>

#include "../support/test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

#include "weft/backend/dispatch.h"
#include "weft/core/rng.h"
#include "weft/core/tensor.h"
#include "weft/ops/shape_ops.h"

namespace {

using weft::DType;
using weft::Shape;
using weft::Tensor;

constexpr double kPi = std::numbers::pi;

weft::Backend& cpu() { return weft::backend_for(weft::Device::cpu()); }

using weft::test::check_close;

// X_k = Σ_m x_m e^{−2πikm/n} for k ≤ n/2, per row, as interleaved (re, im).
std::vector<double> dense_rfft(const std::vector<double>& x, int64_t R, int64_t n) {
  const int64_t F = n / 2 + 1;
  std::vector<double> out(static_cast<size_t>(R * F * 2));
  for (int64_t r = 0; r < R; ++r)
    for (int64_t k = 0; k < F; ++k) {
      double re = 0, im = 0;
      for (int64_t m = 0; m < n; ++m) {
        const double ang = -2 * kPi * static_cast<double>((k * m) % n) / static_cast<double>(n);
        re += x[r * n + m] * std::cos(ang);
        im += x[r * n + m] * std::sin(ang);
      }
      out[(r * F + k) * 2] = re;
      out[(r * F + k) * 2 + 1] = im;
    }
  return out;
}

// numpy irfft: x_m = (1/n) Σ_{k<n} X_k e^{+2πikm/n} with X_{n−k} = conj(X_k) and the
// imaginary parts of DC and (even n) Nyquist taken as 0.
std::vector<double> dense_irfft(const std::vector<double>& X, int64_t R, int64_t n) {
  const int64_t F = n / 2 + 1;
  std::vector<double> out(static_cast<size_t>(R * n));
  for (int64_t r = 0; r < R; ++r)
    for (int64_t m = 0; m < n; ++m) {
      double s = 0;
      for (int64_t k = 0; k < F; ++k) {
        const double re = X[(r * F + k) * 2], im = X[(r * F + k) * 2 + 1];
        const bool edge = k == 0 || (n % 2 == 0 && k == n / 2);
        const double ang = 2 * kPi * static_cast<double>((k * m) % n) / static_cast<double>(n);
        s += edge ? re * std::cos(ang) : 2 * (re * std::cos(ang) - im * std::sin(ang));
      }
      out[r * n + m] = s / static_cast<double>(n);
    }
  return out;
}

// Lag of the weight joining output i to input j, or −1 when none:
// circular (i − j) mod T; causal i − j when j ≤ i.
int64_t lag(int64_t i, int64_t j, int64_t T, bool causal) {
  if (causal) return j <= i ? i - j : -1;
  return ((i - j) % T + T) % T;
}

struct ConvRef {
  std::vector<double> out, ga, gv;
};

// out_{i,d} = Σ_j a_{lag(i,j)} v_{j,d}, and the adjoint of exactly those terms under
// the loss Σ g∘out: each term a_k v_{j,d} contributes g_{i,d} v_{j,d} to ga_k and
// g_{i,d} a_k to gv_{j,d}.
ConvRef dense_conv(const std::vector<double>& a, const std::vector<double>& v, const std::vector<double>& g,
                   int64_t R, int64_t T, int64_t D, bool causal) {
  ConvRef ref;
  ref.out.assign(static_cast<size_t>(R * T * D), 0.0);
  ref.gv.assign(static_cast<size_t>(R * T * D), 0.0);
  ref.ga.assign(static_cast<size_t>(R * T), 0.0);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j) {
        const int64_t k = lag(i, j, T, causal);
        if (k < 0) continue;
        for (int64_t d = 0; d < D; ++d) {
          const size_t io = static_cast<size_t>((r * T + i) * D + d), jo = static_cast<size_t>((r * T + j) * D + d);
          const double ak = a[r * T + k];
          ref.out[io] += ak * v[jo];
          ref.ga[r * T + k] += g[io] * v[jo];
          ref.gv[jo] += g[io] * ak;
        }
      }
  return ref;
}

int64_t prod(const Shape& s) {
  int64_t p = 1;
  for (int64_t x : s) p *= x;
  return p;
}

void check_rfft_case(const Shape& lead, int64_t n, DType dtype, double tol, uint64_t seed) {
  CAPTURE(n);
  weft::Generator gen(seed);
  Shape xs = lead;
  xs.push_back(n);
  Tensor x = Tensor::normal(xs, 0, 1, DType::f64, &gen);
  const int64_t R = prod(lead), F = n / 2 + 1;
  const std::vector<double> xv = x.to_vector<double>();
  Shape fs = lead;
  fs.push_back(F);
  fs.push_back(2);
  Tensor xd = x.to(dtype);
  Tensor X = Tensor::full(fs, 7.0, dtype);
  cpu().rfft(xd, X);
  check_close(X.to_vector<double>(), dense_rfft(xv, R, n), tol, "rfft");
  check_close(xd.to_vector<double>(), x.to(dtype).to_vector<double>(), 0.0, "rfft leaves x intact");

  // Round trip.
  Tensor back = Tensor::full(xs, 7.0, dtype);
  cpu().irfft(X, n, back);
  check_close(back.to_vector<double>(), xv, tol, "irfft(rfft(x))");

  // irfft of an arbitrary spectrum, whose DC / Nyquist imaginary parts must be ignored.
  Tensor S = Tensor::normal(fs, 0, 1, DType::f64, &gen);
  const std::vector<double> sv = S.to_vector<double>();
  Tensor Sd = S.to(dtype);
  const std::vector<double> s_before = Sd.to_vector<double>();
  Tensor y = Tensor::full(xs, 7.0, dtype);
  cpu().irfft(Sd, n, y);
  check_close(y.to_vector<double>(), dense_irfft(sv, R, n), tol, "irfft");
  check_close(Sd.to_vector<double>(), s_before, 0.0, "irfft leaves its input intact");
}

void check_conv_case(const Shape& lead, int64_t T, int64_t D, bool causal, DType dtype, double tol, uint64_t seed) {
  CAPTURE(T);
  CAPTURE(D);
  CAPTURE(causal);
  weft::Generator gen(seed);
  Shape as = lead, vs = lead;
  as.push_back(T);
  vs.push_back(T);
  vs.push_back(D);
  Tensor a = Tensor::normal(as, 0, 1, DType::f64, &gen);
  Tensor v = Tensor::normal(vs, 0, 1, DType::f64, &gen);
  Tensor g = Tensor::normal(vs, 0, 1, DType::f64, &gen);
  const ConvRef ref =
      dense_conv(a.to_vector<double>(), v.to_vector<double>(), g.to_vector<double>(), prod(lead), T, D, causal);
  a = a.to(dtype);
  v = v.to(dtype);
  g = g.to(dtype);
  // Outputs start as garbage: the kernels must overwrite, not accumulate.
  Tensor out = Tensor::full(vs, 7.0, dtype);
  cpu().fft_conv(a, v, causal, out);
  check_close(out.to_vector<double>(), ref.out, tol, "fft_conv");
  Tensor ga = Tensor::full(as, 7.0, dtype), gv = Tensor::full(vs, 7.0, dtype);
  cpu().fft_conv_backward(a, v, g, causal, ga, gv);
  check_close(ga.to_vector<double>(), ref.ga, tol, "ga");
  check_close(gv.to_vector<double>(), ref.gv, tol, "gv");
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

const int64_t kLengths[] = {1, 7, 13, 9, 15, 8, 64};

}  // namespace

TEST_SUITE("fft_kernel") {
  TEST_CASE("f64 rfft / irfft match the direct DFT") {
    uint64_t seed = 1;
    for (int64_t n : kLengths) check_rfft_case({2, 3}, n, DType::f64, 1e-10, seed++);
    for (int64_t n : {2, 100, 257}) check_rfft_case({2, 3}, n, DType::f64, 1e-10, seed++);
    check_rfft_case({}, 12, DType::f64, 1e-10, seed++);  // a single row, no leading dims
  }

  TEST_CASE("f64 fft_conv and its backward match the dense sums") {
    uint64_t seed = 100;
    for (int64_t T : kLengths)
      for (int64_t D : {1, 3})
        for (bool causal : {false, true}) check_conv_case({2, 3}, T, D, causal, DType::f64, 1e-10, seed++);
  }

  TEST_CASE("f64 conv over several channel blocks and the parallel path") {
    // D = 21 spans three channel blocks (the last partial); R·L·D is above the
    // parallel grain, so rows and blocks spread over threads.
    uint64_t seed = 200;
    for (bool causal : {false, true}) {
      check_conv_case({2, 3}, 257, 21, causal, DType::f64, 1e-10, seed++);
      check_conv_case({5}, 100, 9, causal, DType::f64, 1e-10, seed++);
      check_conv_case({1}, 1, 17, causal, DType::f64, 1e-10, seed++);
    }
  }

  TEST_CASE("f32 matches the dense reference") {
    uint64_t seed = 300;
    for (int64_t n : {7, 64, 300}) check_rfft_case({2, 3}, n, DType::f32, 1e-4, seed++);
    for (int64_t T : {13, 64, 300})
      for (bool causal : {false, true}) check_conv_case({2, 3}, T, 3, causal, DType::f32, 1e-4, seed++);
    check_conv_case({2}, 128, 19, true, DType::f32, 1e-4, seed++);
  }

  TEST_CASE("causal fft_conv is exactly causal: later inputs leave earlier outputs bitwise unchanged") {
    // The online forward never reads a_j or v_j for j > i when it writes out_i (a
    // single zero-padded FFT would leak ~1e-7 of them through rounding).
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t T : {5, 33, 97, 300}) {
        CAPTURE(T);
        weft::Generator gen(7);
        const Shape as{2, T}, vs{2, T, 10};
        Tensor a = Tensor::uniform(as, 0.1, 1, dt, &gen), v = Tensor::normal(vs, 0, 1, dt, &gen);
        Tensor base = Tensor::empty(vs, dt);
        cpu().fft_conv(a, v, true, base);
        for (int64_t j : {int64_t(1), T / 2, T - 1}) {
          CAPTURE(j);
          Tensor a2 = a.clone(), v2 = v.clone();
          weft::Generator g2(j);
          weft::narrow(a2, 1, j, T - j).copy_(Tensor::uniform({2, T - j}, 0.1, 1000, dt, &g2));
          weft::narrow(v2, 1, j, T - j).copy_(Tensor::normal({2, T - j, 10}, 0, 1000, dt, &g2));
          Tensor out = Tensor::empty(vs, dt);
          cpu().fft_conv(a2, v2, true, out);
          CHECK(same_bytes(weft::narrow(base, 1, 0, j).clone(), weft::narrow(out, 1, 0, j).clone()));
          CHECK_FALSE(same_bytes(weft::narrow(base, 1, j, T - j).clone(), weft::narrow(out, 1, j, T - j).clone()));
        }
      }
  }

  TEST_CASE("repeated runs and thread counts give bit-identical results") {
    const int saved = weft::cpu_num_threads();
    for (DType dt : {DType::f32, DType::f64})
      for (bool causal : {false, true}) {
        CAPTURE(causal);
        weft::Generator gen(42);
        const Shape as{2, 4, 300}, vs{2, 4, 300, 24};
        Tensor a = Tensor::normal(as, 0, 1, dt, &gen), v = Tensor::normal(vs, 0, 1, dt, &gen),
               g = Tensor::normal(vs, 0, 1, dt, &gen);
        Tensor out[3], ga[3], gv[3], X[3];
        for (int r = 0; r < 3; ++r) {
          // Runs 0 and 1 on the default pool; run 2 on one thread.
          weft::set_cpu_num_threads(r == 2 ? 1 : saved);
          out[r] = Tensor::empty(vs, dt);
          ga[r] = Tensor::empty(as, dt);
          gv[r] = Tensor::empty(vs, dt);
          X[r] = Tensor::empty({2, 4, 300 / 2 + 1, 2}, dt);
          cpu().fft_conv(a, v, causal, out[r]);
          cpu().fft_conv_backward(a, v, g, causal, ga[r], gv[r]);
          cpu().rfft(a, X[r]);
        }
        weft::set_cpu_num_threads(saved);
        for (int r = 1; r < 3; ++r) {
          CAPTURE(r);
          CHECK(same_bytes(out[0], out[r]));
          CHECK(same_bytes(ga[0], ga[r]));
          CHECK(same_bytes(gv[0], gv[r]));
          CHECK(same_bytes(X[0], X[r]));
        }
      }
  }
}
