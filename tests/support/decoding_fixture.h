// Helpers for the decoding suites (gpt's and megabyte's KV-cached decoders):
// models in f64, random token ids, the teacher-forced logits, NaN-propagating
// distances, and the check that incremental logits equal the full forward's.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "weft/autograd/grad_mode.h"
#include "weft/nn/decoding.h"
#include "weft/nn/language_model.h"
#include "weft/ops/ops.h"

namespace weft::test {

// Every parameter converted to f64, and eval mode (no dropout): decoders expect it.
inline void to_f64_eval(LanguageModel& m, bool f64 = true) {
  if (f64) {
    NoGradGuard ng;
    for (auto& [name, p] : m.named_parameters()) p->tensor = p->tensor.to(DType::f64);
  }
  m.eval();
}

// n ids in [0, 256) from a 64-bit LCG: the same sequence for a seed on every machine.
inline std::vector<int64_t> random_ids(int64_t n, uint64_t seed) {
  std::vector<int64_t> ids;
  uint64_t x = seed;
  for (int64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    ids.push_back(static_cast<int64_t>((x >> 33) % 256));
  }
  return ids;
}

// Logits [T, vocab] of the full (teacher-forced) forward over ids.
inline Tensor full_logits(LanguageModel& m, const std::vector<int64_t>& ids) {
  NoGradGuard ng;
  const int64_t n = static_cast<int64_t>(ids.size());
  return reshape(m.forward(Tensor::from_vector(ids, {1, n})), {n, -1});
}

// max |a − b| / max(1, max |b|) over tensors of equal size; NaN anywhere makes
// it NaN, so `!(err <= tol)` fails.
inline double rel_err(const Tensor& a, const Tensor& b) {
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  REQUIRE(x.size() == y.size());
  double err = 0, mag = 1;
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = std::abs(x[i] - y[i]);
    if (!(d <= err) && !std::isnan(err)) err = d;  // a NaN, once seen, stays
    if (!(std::abs(y[i]) <= mag) && !std::isnan(mag)) mag = std::abs(y[i]);
  }
  return err / mag;
}

// Prefills the first `prompt` ids, feeds the rest one at a time; the logits
// after each id must equal row t of the full forward within tol (relative).
inline void check_incremental(LanguageModel& m, TokenDecoder& dec, const std::vector<int64_t>& ids, int64_t prompt,
                              double tol) {
  Tensor full = full_logits(m, ids);
  const std::vector<int64_t> head(ids.begin(), ids.begin() + prompt);
  Tensor got = dec.prefill(head);
  for (int64_t t = prompt - 1; t < static_cast<int64_t>(ids.size()); ++t) {
    if (t >= prompt) got = dec.next(ids[static_cast<size_t>(t)]);
    const double err = rel_err(got, narrow(full, 0, t, 1));
    INFO("position " << t << ": relative error " << err);
    CHECK(err <= tol);
  }
}

}  // namespace weft::test
