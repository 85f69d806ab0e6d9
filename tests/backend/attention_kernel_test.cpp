// The tiled CPU attention kernels against a dense reference (full T×T softmax in
// double): forward out/lse and backward gq/gk/gv, causal or not, with and without
// ALiBi slopes, for sequence lengths that straddle tile boundaries; plus f32 and
// bit-for-bit determinism; and qkv_attention (packed layouts read through strided
// views) against causal_attention on explicitly split heads.
#include <doctest/doctest.h>

#include "../support/test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "weft/backend/dispatch.h"
#include "weft/core/rng.h"
#include "weft/core/tensor.h"
#include "weft/ops/ops.h"

namespace {

using weft::AttentionParams;
using weft::DType;
using weft::Tensor;

struct Dense {
  std::vector<double> out, lse, gq, gk, gv;
};

// Plain-loop attention in double over [B, H, T, D] row-major buffers. With drop > 0,
// O = (Z∘P/(1−drop)) V with Z_ij = [philox_uniform(st, (bh·T + i)·T + j) > drop]
// (the contract of AttentionParams::dropout), and its exact gradients.
Dense dense_attention(const std::vector<double>& q, const std::vector<double>& k, const std::vector<double>& v,
                      const std::vector<double>& g, const std::vector<double>& slopes, int64_t B, int64_t H, int64_t T,
                      int64_t D, double scale, bool causal, double drop = 0.0, weft::PhiloxState st = {}) {
  Dense r;
  const size_t n = static_cast<size_t>(B * H * T * D);
  r.out.assign(n, 0.0);
  r.gq.assign(n, 0.0);
  r.gk.assign(n, 0.0);
  r.gv.assign(n, 0.0);
  r.lse.assign(static_cast<size_t>(B * H * T), 0.0);
  std::vector<double> s(static_cast<size_t>(T)), pr(static_cast<size_t>(T)), dp(static_cast<size_t>(T)),
      pt(static_cast<size_t>(T)), z(static_cast<size_t>(T));
  for (int64_t bh = 0; bh < B * H; ++bh) {
    const int64_t h = bh % H, base = bh * T * D;
    const double slope = slopes.empty() ? 0.0 : slopes[static_cast<size_t>(h)];
    for (int64_t i = 0; i < T; ++i) {
      const int64_t nj = causal ? i + 1 : T;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < nj; ++j) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += q[base + i * D + d] * k[base + j * D + d];
        s[j] = scale * dot - slope * static_cast<double>(i - j);
        m = std::max(m, s[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < nj; ++j) sum += std::exp(s[j] - m);
      const double lse = m + std::log(sum);
      r.lse[bh * T + i] = lse;
      for (int64_t j = 0; j < nj; ++j) {
        pr[j] = std::exp(s[j] - lse);
        const bool keep = drop == 0.0 || weft::philox_uniform(st, static_cast<uint64_t>((bh * T + i) * T + j)) > drop;
        z[j] = keep ? 1.0 / (1.0 - drop) : 0.0;
        pt[j] = pr[j] * z[j];
      }
      for (int64_t j = 0; j < nj; ++j)
        for (int64_t d = 0; d < D; ++d) r.out[base + i * D + d] += pt[j] * v[base + j * D + d];
      // Softmax backward: dS = P ∘ (dP − Σ_j P dP), dP_ij = z_ij · (g_i · v_j).
      double delta = 0;
      for (int64_t j = 0; j < nj; ++j) {
        double dot = 0;
        for (int64_t d = 0; d < D; ++d) dot += g[base + i * D + d] * v[base + j * D + d];
        dp[j] = z[j] * dot;
        delta += pr[j] * dp[j];
      }
      for (int64_t j = 0; j < nj; ++j) {
        const double ds = pr[j] * (dp[j] - delta);
        for (int64_t d = 0; d < D; ++d) {
          r.gq[base + i * D + d] += scale * ds * k[base + j * D + d];
          r.gk[base + j * D + d] += scale * ds * q[base + i * D + d];
          r.gv[base + j * D + d] += pt[j] * g[base + i * D + d];
        }
      }
    }
  }
  return r;
}

using weft::test::check_close;

struct Case {
  int64_t B, H, T, D;
  bool causal, alibi;
  double scale;
  double drop = 0.0;  // attention-probability dropout
};

void run_case(const Case& c, DType dtype, double tol, uint64_t seed) {
  CAPTURE(c.T);
  CAPTURE(c.D);
  CAPTURE(c.causal);
  CAPTURE(c.alibi);
  CAPTURE(c.scale);
  CAPTURE(c.drop);
  const weft::PhiloxState drop_state{seed * 31 + 5, 17};
  weft::Generator gen(seed);
  const weft::Shape shape{c.B, c.H, c.T, c.D};
  Tensor q = Tensor::normal(shape, 0, 1, DType::f64, &gen);
  Tensor k = Tensor::normal(shape, 0, 1, DType::f64, &gen);
  Tensor v = Tensor::normal(shape, 0, 1, DType::f64, &gen);
  Tensor g = Tensor::normal(shape, 0, 1, DType::f64, &gen);
  std::vector<double> slopes;
  if (c.alibi)
    for (int64_t h = 0; h < c.H; ++h) slopes.push_back(std::pow(2.0, -1.0 - static_cast<double>(h)));

  const Dense ref = dense_attention(q.to_vector<double>(), k.to_vector<double>(), v.to_vector<double>(),
                                    g.to_vector<double>(), slopes, c.B, c.H, c.T, c.D, c.scale, c.causal, c.drop,
                                    drop_state);

  AttentionParams p;
  p.scale = c.scale;
  p.causal = c.causal;
  p.dropout = c.drop;
  p.dropout_state = drop_state;
  if (c.alibi) p.alibi_slopes = Tensor::from_vector<double>(slopes, {c.H}).to(dtype);
  q = q.to(dtype);
  k = k.to(dtype);
  v = v.to(dtype);
  g = g.to(dtype);
  weft::Backend& be = weft::backend_for(weft::Device::cpu());
  // Outputs start as garbage: the kernels must overwrite, not accumulate.
  Tensor out = Tensor::full(shape, 7.0, dtype);
  Tensor lse = Tensor::full({c.B, c.H, c.T}, 7.0, dtype);
  be.attention_forward(q, k, v, p, out, lse);
  check_close(out.to_vector<double>(), ref.out, tol, "out");
  check_close(lse.to_vector<double>(), ref.lse, tol, "lse");

  Tensor gq = Tensor::full(shape, 7.0, dtype), gk = Tensor::full(shape, 7.0, dtype),
         gv = Tensor::full(shape, 7.0, dtype);
  be.attention_backward(q, k, v, out, lse, g, p, gq, gk, gv);
  check_close(gq.to_vector<double>(), ref.gq, tol, "gq");
  check_close(gk.to_vector<double>(), ref.gk, tol, "gk");
  check_close(gv.to_vector<double>(), ref.gv, tol, "gv");
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

}  // namespace

TEST_SUITE("attention_kernel") {
  TEST_CASE("f64 matches the dense reference across tile boundaries") {
    uint64_t seed = 1;
    for (int64_t T : {1, 7, 64, 130})
      for (int64_t D : {8, 16})
        for (bool causal : {true, false})
          for (bool alibi : {false, true})
            run_case({2, 3, T, D, causal, alibi, 1.0 / std::sqrt(static_cast<double>(D))}, DType::f64, 1e-10, seed++);
  }

  TEST_CASE("attention-probability dropout matches the dense reference (mask regenerated in the backward)") {
    uint64_t seed = 200;
    for (int64_t T : {7, 70, 130})
      for (bool causal : {true, false})
        for (double drop : {0.1, 0.5})
          run_case({2, 2, T, 8, causal, causal, 1.0 / std::sqrt(8.0), drop}, DType::f64, 1e-10, seed++);
    run_case({1, 3, 130, 32, true, false, 1.0 / std::sqrt(32.0), 0.2}, DType::f32, 1e-4, 300);
  }

  TEST_CASE("f64 stays stable with large logits") {
    // Scores of magnitude ~10²: the online softmax must rescale without overflow.
    run_case({1, 2, 150, 16, true, true, 8.0}, DType::f64, 1e-10, 99);
    run_case({1, 2, 150, 16, false, false, 8.0}, DType::f64, 1e-10, 100);
  }

  TEST_CASE("f32 matches the dense reference") {
    run_case({2, 2, 130, 16, true, true, 0.25}, DType::f32, 1e-4, 7);
    run_case({1, 3, 97, 32, false, false, 1.0 / std::sqrt(32.0)}, DType::f32, 1e-4, 8);
    run_case({1, 2, 200, 64, true, false, 0.125}, DType::f32, 1e-4, 9);
  }

  TEST_CASE("repeated runs are bit-identical") {
    for (DType dt : {DType::f32, DType::f64}) {
      weft::Generator gen(42);
      const weft::Shape shape{2, 4, 300, 32};
      Tensor q = Tensor::normal(shape, 0, 1, dt, &gen), k = Tensor::normal(shape, 0, 1, dt, &gen),
             v = Tensor::normal(shape, 0, 1, dt, &gen), g = Tensor::normal(shape, 0, 1, dt, &gen);
      AttentionParams p;
      p.scale = 1.0 / std::sqrt(32.0);
      p.causal = true;
      p.alibi_slopes = Tensor::from_vector<double>({0.5, 0.25, 0.125, 0.0625}, {4}).to(dt);
      weft::Backend& be = weft::backend_for(weft::Device::cpu());
      Tensor out[2], lse[2], gq[2], gk[2], gv[2];
      for (int r = 0; r < 2; ++r) {
        out[r] = Tensor::empty(shape, dt);
        lse[r] = Tensor::empty({2, 4, 300}, dt);
        gq[r] = Tensor::empty(shape, dt);
        gk[r] = Tensor::empty(shape, dt);
        gv[r] = Tensor::empty(shape, dt);
        be.attention_forward(q, k, v, p, out[r], lse[r]);
        be.attention_backward(q, k, v, out[r], lse[r], g, p, gq[r], gk[r], gv[r]);
      }
      CHECK(same_bytes(out[0], out[1]));
      CHECK(same_bytes(lse[0], lse[1]));
      CHECK(same_bytes(gq[0], gq[1]));
      CHECK(same_bytes(gk[0], gk[1]));
      CHECK(same_bytes(gv[0], gv[1]));
    }
  }

  TEST_CASE("qkv_attention equals causal_attention on split heads, forward and backward") {
    using namespace weft;
    for (bool causal : {true, false}) {
      const int64_t B = 2, T = 70, H = 3, D = 8, C = H * D;  // T straddles a 64-row tile
      Generator gen(5);
      Tensor qkv = Tensor::normal({B, T, 3 * C}, 0, 1, DType::f64, &gen).set_requires_grad(true);
      Tensor g = Tensor::normal({B, T, C}, 0, 1, DType::f64, &gen);
      AttentionOptions o;
      o.causal = causal;
      // Reference: split heads with copies, attention, merge heads.
      Tensor x = qkv.detach().clone().set_requires_grad(true);
      Tensor parts = reshape(x, {B, T, 3, H, D});
      auto head = [&](int64_t i) { return contiguous(permute(squeeze(narrow(parts, 2, i, 1), 2), {0, 2, 1, 3})); };
      Tensor ref = reshape(contiguous(permute(causal_attention(head(0), head(1), head(2), o), {0, 2, 1, 3})), {B, T, C});
      Tensor got = qkv_attention(qkv, H, o);
      REQUIRE(got.shape() == ref.shape());
      check_close(got.to_vector<double>(), ref.to_vector<double>(), 1e-12, "out");
      sum(mul(ref, g)).backward();
      sum(mul(got, g)).backward();
      check_close(qkv.grad().to_vector<double>(), x.grad().to_vector<double>(), 1e-12, "dqkv");
    }
  }
}
