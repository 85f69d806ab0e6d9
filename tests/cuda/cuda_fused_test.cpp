// CUDA fused kernels against the CPU: softmax / log_softmax, cross-entropy (ignore
// index, label smoothing), layer_norm, rms_norm (eps inside and outside the root),
// the AdamW update, shaped_mix, and the index ops (whose accumulating backwards use
// the CPU's summation order). Tolerances: f32 1e-5 relative (reduction order),
// f64 1e-12; index_select/gather exact; index_add/scatter_add bit-identical.
#include <doctest/doctest.h>

#include "cuda_util.h"

using namespace weft;
using namespace weft::cuda_test;

namespace {
double tol_of(DType dt) { return dt == DType::f32 ? 1e-5 : 1e-12; }
}  // namespace

TEST_SUITE("cuda_fused") {
  TEST_CASE("softmax and log_softmax, forward and backward") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t C : {1, 7, 130, 5000})
        for (bool log : {false, true}) {
          Tensor x = randn({7, C}, 1, dt), g = randn({7, C}, 2, dt);
          Tensor yc = empty_like(x, Device::cpu()), yg = empty_like(x, dev());
          cpu().softmax(x, yc, log);
          gpu().softmax(on_gpu(x), yg, log);
          check_close(yg, yc, tol_of(dt), "softmax");
          Tensor gc = empty_like(x, Device::cpu()), gg = empty_like(x, dev());
          cpu().softmax_backward(yc, g, gc, log);
          gpu().softmax_backward(yg, on_gpu(g), gg, log);
          check_close(gg, gc, tol_of(dt), "softmax_backward");
        }
  }

  TEST_CASE("cross_entropy with ignored rows and label smoothing") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t V : {1, 7, 130, 50257})
        for (double eps : {0.0, 0.1}) {
          const int64_t R = 7;
          Tensor x = randn({R, V}, 3, dt);
          std::vector<int64_t> tv;
          for (int64_t r = 0; r < R; ++r) tv.push_back(r == 2 ? -100 : (r * 37) % V);
          Tensor t = Tensor::from_vector(tv, {R});
          Tensor lc = Tensor::empty({R}, dt), sc = Tensor::empty({R}, dt);
          Tensor lg = Tensor::empty({R}, dt, dev()), sg = Tensor::empty({R}, dt, dev());
          cpu().cross_entropy(x, t, -100, eps, lc, sc);
          Tensor gx = on_gpu(x), gt = on_gpu(t);
          gpu().cross_entropy(gx, gt, -100, eps, lg, sg);
          check_close(lg, lc, tol_of(dt), "cross_entropy loss");
          check_close(sg, sc, tol_of(dt), "cross_entropy lse");
          Tensor gl = randn({R}, 4, dt);
          Tensor dc = empty_like(x, Device::cpu()), dg = empty_like(x, dev());
          cpu().cross_entropy_backward(x, t, sc, gl, -100, eps, dc);
          gpu().cross_entropy_backward(gx, gt, sg, on_gpu(gl), -100, eps, dg);
          check_close(dg, dc, tol_of(dt), "cross_entropy_backward");
        }
  }

  TEST_CASE("layer_norm and rms_norm, forward and backward, with and without affine parameters") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t R : {1, 7, 130})
        for (int64_t C : {1, 7, 768})
          for (bool affine : {true, false}) {
            Tensor x = randn({R, C}, 5, dt), g = randn({R, C}, 6, dt);
            Tensor w = affine ? uniform({C}, 0.5, 1.5, 7, dt) : Tensor(), b = affine ? randn({C}, 8, dt) : Tensor();
            Tensor gw_ = affine ? on_gpu(w) : Tensor(), gb_ = affine ? on_gpu(b) : Tensor();
            Tensor yc = empty_like(x, Device::cpu()), yg = empty_like(x, dev());
            Tensor mc = Tensor::empty({R}, dt), rc = Tensor::empty({R}, dt);
            Tensor mg = Tensor::empty({R}, dt, dev()), rg = Tensor::empty({R}, dt, dev());
            cpu().layer_norm(x, w, b, 1e-5, yc, mc, rc);
            Tensor gx = on_gpu(x);
            gpu().layer_norm(gx, gw_, gb_, 1e-5, yg, mg, rg);
            check_close(yg, yc, tol_of(dt) * 10, "layer_norm y");
            check_close(rg, rc, tol_of(dt) * 10, "layer_norm rstd");
            Tensor dxc = empty_like(x, Device::cpu()), dxg = empty_like(x, dev());
            Tensor dwc = Tensor::empty({C}, dt), dbc = Tensor::empty({C}, dt);
            Tensor dwg = Tensor::empty({C}, dt, dev()), dbg = Tensor::empty({C}, dt, dev());
            cpu().layer_norm_backward(x, w, mc, rc, g, dxc, dwc, dbc);
            gpu().layer_norm_backward(gx, gw_, mg, rg, on_gpu(g), dxg, dwg, dbg);
            check_close(dxg, dxc, tol_of(dt) * 10, "layer_norm gx");
            check_close(dwg, dwc, tol_of(dt) * 10, "layer_norm gweight");
            check_close(dbg, dbc, tol_of(dt) * 10, "layer_norm gbias");
            for (bool outside : {false, true}) {
              Tensor r2c = Tensor::empty({R}, dt), r2g = Tensor::empty({R}, dt, dev());
              cpu().rms_norm(x, w, 1e-6, outside, yc, r2c);
              gpu().rms_norm(gx, gw_, 1e-6, outside, yg, r2g);
              check_close(yg, yc, tol_of(dt) * 10, "rms_norm y");
              cpu().rms_norm_backward(x, w, r2c, 1e-6, outside, g, dxc, dwc);
              gpu().rms_norm_backward(gx, gw_, r2g, 1e-6, outside, on_gpu(g), dxg, dwg);
              check_close(dxg, dxc, tol_of(dt) * 10, "rms_norm gx");
              check_close(dwg, dwc, tol_of(dt) * 10, "rms_norm gweight");
            }
          }
  }

  TEST_CASE("fused AdamW update") {
    for (DType dt : {DType::f32, DType::f64}) {
      Tensor p = randn({7, 130}, 9, dt), g = randn({7, 130}, 10, dt);
      Tensor m = randn({7, 130}, 11, dt), v = uniform({7, 130}, 0.0, 1.0, 12, dt);
      Tensor pg = on_gpu(p), mg = on_gpu(m), vg = on_gpu(v);
      const AdamWStep s{1e-3, 0.9, 0.95, 1e-8, 0.1, 0.19, 0.0975, 0.5};
      cpu().adamw_update(p, g, m, v, s);
      gpu().adamw_update(pg, on_gpu(g), mg, vg, s);
      check_close(pg, p, tol_of(dt), "adamw param");
      check_close(mg, m, tol_of(dt), "adamw m");
      check_close(vg, v, tol_of(dt), "adamw v");
    }
  }

  TEST_CASE("shaped_mix forward and backward") {
    for (DType dt : {DType::f32, DType::f64})
      for (int64_t T : {1, 7, 130}) {
        const int64_t B = 2, H = 3, D = 5;
        Tensor v = randn({B, T, H, D}, 13, dt), sv = randn({B, T, H, D}, 14, dt), go = randn({B, T, H, D}, 15, dt);
        Tensor al = randn({H}, 16, dt), be = randn({H}, 17, dt), ga = randn({H}, 18, dt);
        Tensor oc = empty_like(v, Device::cpu()), og = empty_like(v, dev());
        Tensor vg = on_gpu(v), svg = on_gpu(sv), alg = on_gpu(al), beg = on_gpu(be), gag = on_gpu(ga);
        cpu().shaped_mix(v, sv, al, be, ga, oc);
        gpu().shaped_mix(vg, svg, alg, beg, gag, og);
        check_close(og, oc, tol_of(dt), "shaped_mix");
        Tensor gvc = empty_like(v, Device::cpu()), gsc = empty_like(v, Device::cpu());
        Tensor gvg = empty_like(v, dev()), gsg = empty_like(v, dev());
        Tensor g1c = Tensor::empty({H}, dt), g2c = Tensor::empty({H}, dt), g3c = Tensor::empty({H}, dt);
        Tensor g1g = Tensor::empty({H}, dt, dev()), g2g = Tensor::empty({H}, dt, dev()), g3g = Tensor::empty({H}, dt, dev());
        cpu().shaped_mix_backward(v, sv, al, be, ga, go, gvc, gsc, g1c, g2c, g3c);
        gpu().shaped_mix_backward(vg, svg, alg, beg, gag, on_gpu(go), gvg, gsg, g1g, g2g, g3g);
        check_close(gvg, gvc, tol_of(dt), "shaped_mix gv");
        check_close(gsg, gsc, tol_of(dt), "shaped_mix gsv");
        check_close(g1g, g1c, tol_of(dt) * 10, "shaped_mix galpha");
        check_close(g2g, g2c, tol_of(dt) * 10, "shaped_mix gbeta");
        check_close(g3g, g3c, tol_of(dt) * 10, "shaped_mix ggamma");
      }
  }

  TEST_CASE("index_select, index_add, gather, scatter_add (repeated indices, deterministic)") {
    for (DType dt : {DType::f32, DType::f64}) {
      Tensor x = randn({7, 130, 3}, 19, dt);
      std::vector<int64_t> iv = {0, 129, 5, 5, 64, 0, 0, 17};
      Tensor idx = Tensor::from_vector(iv, {8});
      Tensor gidx = on_gpu(idx), gx = on_gpu(x);
      Tensor sc = Tensor::empty({7, 8, 3}, dt), sg = Tensor::empty({7, 8, 3}, dt, dev());
      cpu().index_select(x, 1, idx, sc);
      gpu().index_select(gx, 1, gidx, sg);
      CHECK(bitwise_equal(sg, sc));
      Tensor src = randn({7, 8, 3}, 20, dt);
      Tensor ac = x.clone(), ag = on_gpu(x);
      cpu().index_add(ac, 1, idx, src);
      gpu().index_add(ag, 1, gidx, on_gpu(src));
      CHECK(bitwise_equal(ag, ac));
      std::vector<int64_t> gv;
      for (int64_t e = 0; e < 7 * 9 * 3; ++e) gv.push_back((e * 31) % 130);
      Tensor gi = Tensor::from_vector(gv, {7, 9, 3});
      Tensor oc = Tensor::empty({7, 9, 3}, dt), og = Tensor::empty({7, 9, 3}, dt, dev());
      cpu().gather(x, 1, gi, oc);
      gpu().gather(gx, 1, on_gpu(gi), og);
      CHECK(bitwise_equal(og, oc));
      Tensor s2 = randn({7, 9, 3}, 21, dt);
      Tensor tc = x.clone(), tg = on_gpu(x);
      cpu().scatter_add(tc, 1, gi, s2);
      gpu().scatter_add(tg, 1, on_gpu(gi), on_gpu(s2));
      CHECK(bitwise_equal(tg, tc));
    }
  }
}
