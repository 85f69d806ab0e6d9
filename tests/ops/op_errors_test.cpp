// Bad input for every op: an exception of the right family whose message names
// the op and the offending shapes/dtypes/values. Never a crash or a silent broadcast.
#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "weft/backend/dispatch.h"

#include "../support/op_cases.h"
#include "../support/test_util.h"
#include "weft/ops/ops.h"

using namespace weft;
using test::randn;

namespace {

template <typename E, typename F>
void expect_error(F&& f, const std::vector<std::string>& must_mention) {
  bool thrown = false;
  try {
    f();
  } catch (const E& e) {
    thrown = true;
    std::string msg = e.what();
    for (const auto& s : must_mention) {
      INFO("message: " << msg << "\nshould mention: " << s);
      CHECK(msg.find(s) != std::string::npos);
    }
  } catch (const std::exception& e) {
    INFO("wrong exception type: " << e.what());
    CHECK(false);
  }
  CHECK(thrown);
}

Tensor f32(const Shape& s) { return Tensor::zeros(s, DType::f32); }
Tensor f64(const Shape& s) { return Tensor::zeros(s, DType::f64); }
Tensor i64(const Shape& s) { return Tensor::zeros(s, DType::i64); }

#define SHAPE_CASE(op, expr, ...) \
  { #op, "shape", [] { expect_error<ShapeError>([] { (void)(expr); }, {#op, __VA_ARGS__}); } }
#define DTYPE_CASE(op, expr, ...) \
  { #op, "dtype", [] { expect_error<DTypeError>([] { (void)(expr); }, {#op, __VA_ARGS__}); } }
#define INDEX_CASE(op, expr, ...) \
  { #op, "index", [] { expect_error<IndexError>([] { (void)(expr); }, {#op, __VA_ARGS__}); } }
#define VALUE_CASE(op, expr, ...) \
  { #op, "value", [] { expect_error<ValueError>([] { (void)(expr); }, {#op, __VA_ARGS__}); } }

}  // namespace

namespace weft::test {

const std::vector<ErrorCase>& error_cases() {
  static const std::vector<ErrorCase> cases = {
      SHAPE_CASE(add, add(f32({2, 3}), f32({4})), "[2, 3]", "[4]"),
      DTYPE_CASE(add, add(f32({2}), f64({2})), "f32", "f64"),
      SHAPE_CASE(sub, sub(f32({3}), f32({2})), "[3]", "[2]"),
      SHAPE_CASE(mul, mul(f32({2, 2}), f32({3, 1})), "[2, 2]"),
      DTYPE_CASE(div, div(f64({2}), f32({2})), "f64"),
      DTYPE_CASE(neg, neg(i64({2})), "i64"),
      DTYPE_CASE(exp, exp(i64({2})), "i64"),
      DTYPE_CASE(log, log(i64({2})), "i64"),
      DTYPE_CASE(sqrt, sqrt(i64({2})), "i64"),
      DTYPE_CASE(rsqrt, rsqrt(i64({2})), "i64"),
      DTYPE_CASE(pow, pow(i64({2}), 2.0), "i64"),
      DTYPE_CASE(abs, abs(i64({2})), "i64"),
      DTYPE_CASE(tanh, tanh(i64({2})), "i64"),
      DTYPE_CASE(sigmoid, sigmoid(i64({2})), "i64"),
      DTYPE_CASE(relu, relu(i64({2})), "i64"),
      DTYPE_CASE(gelu, gelu(i64({2})), "i64"),
      DTYPE_CASE(silu, silu(i64({2})), "i64"),
      VALUE_CASE(clamp, clamp(f32({2}), 1.0, -1.0), "1", "-1"),
      SHAPE_CASE(where, where(f32({2}), f32({3}), f32({3})), "[2]", "[3]"),
      // masked_fill must not silently enlarge its input through the mask.
      SHAPE_CASE(masked_fill, masked_fill(f32({3}), f32({2, 3}), 0.0), "[2, 3]", "[3]"),
      SHAPE_CASE(eq, eq(f32({2}), f32({3})), "[2]", "[3]"),
      DTYPE_CASE(gt, gt(f32({2}), f64({2})), "f32", "f64"),
      SHAPE_CASE(lt, lt(f32({2, 2}), f32({3})), "[2, 2]", "[3]"),
      INDEX_CASE(sum, sum(f32({2, 3}), {2}), "dim 2"),
      INDEX_CASE(mean, mean(f32({2, 3}), {-3}), "dim -3"),
      SHAPE_CASE(max, max(f32({0})), "f32[0]"),
      DTYPE_CASE(logsumexp, logsumexp(i64({2})), "i64"),
      VALUE_CASE(var, var(f32({1})), "correction"),
      INDEX_CASE(cumsum, cumsum(f32({2}), 1), "dim 1"),
      SHAPE_CASE(matmul, matmul(f32({2, 3}), f32({4, 5})), "[2, 3]", "[4, 5]"),
      SHAPE_CASE(linear, linear(f32({2, 3}), f32({3, 4}), f32({5})), "[4]", "[5]"),
      SHAPE_CASE(softmax, softmax(f32({})), "f32[]"),
      DTYPE_CASE(log_softmax, log_softmax(i64({3})), "i64"),
      SHAPE_CASE(softmax_cross_entropy, softmax_cross_entropy(f32({2, 5}), i64({3})), "[2, 5]", "[3]"),
      {"softmax_cross_entropy", "target out of range",
       [] {
         expect_error<IndexError>(
             [] { (void)softmax_cross_entropy(f32({2, 5}), Tensor::from_vector<int64_t>({1, 7}, {2})); },
             {"softmax_cross_entropy", "target 7", "position 1", "5 classes"});
       }},
      SHAPE_CASE(layer_norm, layer_norm(f32({2, 4}), f32({3}), Tensor()), "[3]", "4"),
      DTYPE_CASE(rms_norm, rms_norm(f32({2, 4}), f64({4})), "f32", "f64"),
      INDEX_CASE(embedding, embedding(f32({5, 2}), Tensor::from_vector<int64_t>({0, 5}, {2})), "index 5", "size 5"),
      {"embedding", "float ids",
       [] { expect_error<DTypeError>([] { (void)embedding(f32({5, 2}), f32({2})); }, {"embedding", "i64"}); }},
      INDEX_CASE(index_select, index_select(f32({3, 2}), 0, Tensor::from_vector<int64_t>({-1}, {1})), "index -1"),
      SHAPE_CASE(gather, gather(f32({3, 2}), 0, i64({3, 3})), "[3, 3]"),
      SHAPE_CASE(reshape, reshape(f32({2, 3}), {4}), "[4]", "6"),
      INDEX_CASE(transpose, transpose(f32({2, 3}), 0, 2), "dim 2"),
      SHAPE_CASE(permute, permute(f32({2, 3}), {0, 0}), "twice"),
      INDEX_CASE(narrow, narrow(f32({2, 3}), 1, 2, 2), "[2, 4)", "size 3"),
      SHAPE_CASE(expand, expand(f32({2, 3}), {4, 3}), "[2, 3]", "[4, 3]"),
      {"contiguous", "undefined tensor",
       [] { expect_error<ValueError>([] { (void)contiguous(Tensor()); }, {"contiguous", "undefined"}); }},
      SHAPE_CASE(concat, concat({f32({2, 3}), f32({3, 3})}, 1), "[3, 3]", "[2, 3]"),
      SHAPE_CASE(split, split(f32({2, 5}), {2, 2}, 1), "add up to 4", "5"),
      SHAPE_CASE(stack, stack({f32({2}), f32({3})}, 0), "[3]", "[2]"),
      SHAPE_CASE(tril, tril(f32({3})), "f32[3]", "2"),
      SHAPE_CASE(triu, triu(f32({3})), "f32[3]", "2"),
      DTYPE_CASE(causal_mask, causal_mask(4, DType::i64), "i64"),
      VALUE_CASE(dropout, dropout(f32({2}), 1.0), "1"),
      SHAPE_CASE(causal_attention, causal_attention(f32({1, 2, 4, 8}), f32({1, 2, 5, 8}), f32({1, 2, 4, 8})), "[1, 2, 5, 8]"),
      SHAPE_CASE(shaped_combine, shaped_combine(f32({1, 4, 2, 3}), f32({1, 4, 2, 3}), f32({2}), f32({3}), f32({2})), "beta", "[2]"),
      SHAPE_CASE(qkv_attention, qkv_attention(f32({1, 4, 20}), 3), "[1, 4, 20]", "n_heads = 3"),
      DTYPE_CASE(rfft, rfft(i64({4})), "i64"),
      SHAPE_CASE(irfft, irfft(f32({4, 3}), 6), "size 2"),
      SHAPE_CASE(circular_conv, circular_conv(f32({2, 5}), f32({2, 4, 3})), "[2, 5]", "[2, 4, 3]"),
      SHAPE_CASE(causal_conv, causal_conv(f32({2, 5}), f32({2, 5})), "[2, 5]"),
  };
  return cases;
}

}  // namespace weft::test

TEST_SUITE("op_errors") {
  TEST_CASE("every op rejects bad input with a precise error") {
    for (const auto& c : test::error_cases()) {
      INFO("op " << c.op << " (" << c.label << ")");
      c.run();
    }
  }

  TEST_CASE("unavailable devices name the device") {
    // Without CUDA (or without a GPU) cuda:0 is unavailable; with GPUs, the index past the last one.
    const int n = cuda_device_count();
    const Device missing = Device::cuda(n);
    bool thrown = false;
    try {
      (void)Tensor::zeros({2}, DType::f32, missing);
    } catch (const DeviceError& e) {
      thrown = true;
      CHECK(std::string(e.what()).find(missing.str()) != std::string::npos);
    }
    CHECK(thrown);
    std::string why;
    if (cuda_device_count(why) == 0) CHECK(!why.empty());
  }

  TEST_CASE("device mismatch: ops refuse operands on two devices, naming both, before touching data") {
    // Without a CUDA build, a cpu buffer labelled cuda:1 stands in for a device
    // tensor: the device check must fire before any kernel could read it.
    auto on = [](const Tensor& t, Device d) {
      auto impl = std::make_shared<TensorImpl>(*t.impl_ptr());
      impl->device = d;
      return Tensor(impl);
    };
    const Device other = Device::cuda(1);
    const std::vector<std::pair<std::string, std::function<void()>>> cases = {
        {"add", [&] { (void)add(f32({2}), on(f32({2}), other)); }},
        {"where", [&] { (void)where(f32({2}), f32({2}), on(f32({2}), other)); }},
        {"masked_fill", [&] { (void)masked_fill(f32({2}), on(f32({2}), other), 0.0); }},
        {"embedding", [&] { (void)embedding(f32({5, 2}), on(i64({2}), other)); }},
        {"causal_attention",
         [&] { (void)causal_attention(f32({1, 1, 2, 4}), on(f32({1, 1, 2, 4}), other), f32({1, 1, 2, 4})); }},
        {"circular_conv", [&] { (void)circular_conv(f32({2, 4}), on(f32({2, 4, 3}), other)); }},
    };
    for (const auto& [op, run] : cases) {
      INFO("op " << op);
      expect_error<DeviceError>(run, {op, "different devices", "cuda:1", "cpu"});
    }
  }
}
