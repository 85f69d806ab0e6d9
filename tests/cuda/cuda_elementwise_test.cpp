// CUDA elementwise and reduction kernels against the CPU on the same inputs:
// every unary op (forward and backward), every binary op with broadcasting
// (stride-0) and transposed operands, where, triangle; reductions over any dims
// of strided views, cumsum, sum_of_squares. Sizes 1, 7, 130 and a long one.
// Tolerances: f32 2e-6 relative (CUDA's expf/tanhf/erff vs the CPU's ≤ 2-ulp
// polynomials), f64 1e-13; integer and selection ops exact.
#include <doctest/doctest.h>

#include "cuda_util.h"

using namespace weft;
using namespace weft::cuda_test;

namespace {

double tol_of(DType dt) { return dt == DType::f32 ? 2e-6 : 1e-13; }

const UnaryOp kUnary[] = {UnaryOp::neg,  UnaryOp::exp,     UnaryOp::log,       UnaryOp::sqrt,     UnaryOp::rsqrt,
                          UnaryOp::abs,  UnaryOp::tanh,    UnaryOp::sigmoid,   UnaryOp::relu,     UnaryOp::gelu_tanh,
                          UnaryOp::gelu_erf, UnaryOp::silu, UnaryOp::pow,      UnaryOp::clamp};

bool positive_domain(UnaryOp op) {
  return op == UnaryOp::log || op == UnaryOp::sqrt || op == UnaryOp::rsqrt || op == UnaryOp::pow;
}

}  // namespace

TEST_SUITE("cuda_elementwise") {
  TEST_CASE("unary forward and backward, contiguous and transposed") {
    const UnaryParams prm{1.7, 0.5};
    const UnaryParams clamp_prm{-0.5, 0.75};
    for (DType dt : {DType::f32, DType::f64}) {
      for (UnaryOp op : kUnary) {
        for (int64_t n : {1, 7, 130}) {
          CAPTURE(static_cast<int>(op));
          CAPTURE(n);
          const UnaryParams& p = op == UnaryOp::clamp ? clamp_prm : prm;
          Tensor base = positive_domain(op) ? uniform({n, 7}, 0.1, 3.0, 11, dt) : randn({n, 7}, 11, dt).to(dt);
          Tensor x = Tensor::make_view(base, {7, n}, {1, 7}, 0);  // transposed view
          Tensor gb = on_gpu(base), gx = gpu_view(gb, x);
          Tensor yc = Tensor::empty({7, n}, dt), yg = Tensor::empty({7, n}, dt, dev());
          cpu().unary(op, p, x, yc);
          gpu().unary(op, p, gx, yg);
          check_close(yg, yc, tol_of(dt), "unary");
          Tensor g = randn({7, n}, 12, dt);
          Tensor gc = Tensor::empty({7, n}, dt), gg = Tensor::empty({7, n}, dt, dev());
          cpu().unary_backward(op, p, x, yc, g, gc);
          gpu().unary_backward(op, p, gx, yg, on_gpu(g), gg);
          check_close(gg, gc, tol_of(dt) * 4, "unary_backward");
        }
      }
    }
  }

  TEST_CASE("binary ops with broadcast and transposed operands; where; triangle") {
    const BinaryOp ops[] = {BinaryOp::add, BinaryOp::sub,     BinaryOp::mul, BinaryOp::div, BinaryOp::maximum,
                            BinaryOp::minimum, BinaryOp::eq, BinaryOp::gt,  BinaryOp::lt};
    for (DType dt : {DType::f32, DType::f64, DType::i64}) {
      Tensor a = randn({130, 7}, 21, DType::f64).to(dt);
      Tensor brow = uniform({7}, 0.5, 2.0, 22, DType::f64).to(dt);
      if (dt == DType::i64) brow = Tensor::full({7}, 3.0, dt);
      Tensor b = Tensor::make_view(brow, {130, 7}, {0, 1}, 0);  // broadcast over rows
      Tensor ga = on_gpu(a), gbrow = on_gpu(brow), gb = gpu_view(gbrow, b);
      for (BinaryOp op : ops) {
        Tensor c = Tensor::empty({130, 7}, dt), g = Tensor::empty({130, 7}, dt, dev());
        cpu().binary(op, a, b, c);
        gpu().binary(op, ga, gb, g);
        check_close(g, c, dt == DType::i64 ? 0.0 : tol_of(dt), "binary");
      }
    }
    Tensor cond = Tensor::bernoulli({7, 130}, 0.4, DType::f32);
    Tensor a = randn({7, 130}, 23), b = randn({7, 130}, 24);
    Tensor c = Tensor::empty({7, 130}), g = Tensor::empty({7, 130}, DType::f32, dev());
    cpu().where(cond, a, b, c);
    gpu().where(on_gpu(cond), on_gpu(a), on_gpu(b), g);
    CHECK(bitwise_equal(g, c));
    for (bool lower : {true, false})
      for (int64_t k : {-2, 0, 3}) {
        Tensor x = randn({2, 7, 130}, 25);
        Tensor tc = empty_like(x, Device::cpu()), tg = empty_like(x, dev());
        cpu().triangle(x, k, lower, tc);
        gpu().triangle(on_gpu(x), k, lower, tg);
        CHECK(bitwise_equal(tg, tc));
      }
  }

  TEST_CASE("reductions over any dims of strided views, exact for integers") {
    const Shape shape{7, 130, 5};
    for (DType dt : {DType::f32, DType::f64, DType::i64}) {
      Tensor base = randn({5, 130, 7}, 31, DType::f64).to(dt);
      if (dt == DType::i64) base = uniform({5, 130, 7}, -50, 50, 31, DType::f64).to(dt);
      Tensor x = Tensor::make_view(base, shape, {1, 7, 910}, 0);  // dims reversed
      Tensor gbase = on_gpu(base), gx = gpu_view(gbase, x);
      const std::vector<Shape> outs = {{1, 1, 1}, {7, 1, 1}, {1, 130, 1}, {1, 1, 5}, {7, 1, 5}, {1, 130, 5}};
      for (const Shape& os : outs)
        for (ReduceOp op : {ReduceOp::sum, ReduceOp::max, ReduceOp::min}) {
          Tensor c = Tensor::empty(os, dt), g = Tensor::empty(os, dt, dev());
          cpu().reduce(op, x, c);
          gpu().reduce(op, gx, g);
          // Sums accumulate in f64 on both sides, in different orders.
          check_close(g, c, dt == DType::i64 || op != ReduceOp::sum ? 0.0 : tol_of(dt), "reduce");
        }
    }
    // A long reduction (block path) and its determinism.
    Tensor x = randn({3, 100000}, 32);
    Tensor c = Tensor::empty({3, 1}), g1 = Tensor::empty({3, 1}, DType::f32, dev()),
           g2 = Tensor::empty({3, 1}, DType::f32, dev());
    Tensor gx = on_gpu(x);
    cpu().reduce(ReduceOp::sum, x, c);
    gpu().reduce(ReduceOp::sum, gx, g1);
    gpu().reduce(ReduceOp::sum, gx, g2);
    check_close(g1, c, 1e-6, "long sum");
    CHECK(bitwise_equal(g1, g2));
  }

  TEST_CASE("cumsum along every dim is bit-identical (same order); sum_of_squares in f64") {
    for (DType dt : {DType::f32, DType::i64}) {
      Tensor x = randn({7, 130, 3}, 41, DType::f64).to(dt);
      for (int dim = 0; dim < 3; ++dim) {
        Tensor c = empty_like(x, Device::cpu()), g = empty_like(x, dev());
        cpu().cumsum(x, dim, c);
        gpu().cumsum(on_gpu(x), dim, g);
        CHECK(bitwise_equal(g, c));
      }
    }
    for (int64_t n : {1, 7, 130, 1000003}) {
      Tensor x = randn({n}, 42);
      const auto ssq = [](Backend& be, const Tensor& t, Device d) {
        Tensor acc = Tensor::full({}, 0.5, DType::f64, d);  // accumulates onto what is there
        be.sum_of_squares(t, acc);
        return acc.item() - 0.5;
      };
      const double c = ssq(cpu(), x, Device::cpu()), g = ssq(gpu(), on_gpu(x), dev());
      CHECK(!(std::abs(g - c) > 1e-12 * (1.0 + c)));
      CHECK(ssq(gpu(), on_gpu(x), dev()) == g);  // deterministic
    }
  }
}
