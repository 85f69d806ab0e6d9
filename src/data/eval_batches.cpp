#include "weft/data/eval_batches.h"

#include <algorithm>

#include "weft/core/error.h"

namespace weft {

EvalBatches::EvalBatches(const TextCorpus& corpus, Split split, int64_t batch, int64_t seq_len)
    : corpus_(&corpus), split_(split), batch_(batch), seq_len_(seq_len) {
  WEFT_CHECK(batch >= 1, ValueError, "eval batches: batch = ", batch, " must be >= 1");
  WEFT_CHECK(seq_len >= 1, ValueError, "eval batches: seq_len = ", seq_len, " must be >= 1");
  n_tokens_ = static_cast<int64_t>(corpus.tokens(split).size());
  WEFT_CHECK(n_tokens_ >= 2, DataError, "data: the ", split_name(split), " split of '", corpus.source(), "' holds ",
             n_tokens_, " tokens; evaluation needs at least 2");
  full_windows_ = (n_tokens_ - 1) / seq_len;
  remainder_ = (n_tokens_ - 1) - full_windows_ * seq_len;
  full_batches_ = (full_windows_ + batch - 1) / batch;
  num_batches_ = full_batches_ + (remainder_ > 0 ? 1 : 0);
}

Batch EvalBatches::operator[](int64_t i) const {
  WEFT_CHECK(i >= 0 && i < num_batches_, IndexError, "eval batches: index ", i, " is outside [0, ", num_batches_, ")");
  const bool tail = i == full_batches_;  // the shortened last window
  const int64_t rows = tail ? 1 : std::min(batch_, full_windows_ - i * batch_);
  const int64_t cols = tail ? remainder_ : seq_len_;
  const int64_t first = tail ? full_windows_ * seq_len_ : i * batch_ * seq_len_;  // token offset of row 0
  const std::vector<int32_t>& tok = corpus_->tokens(split_);
  Tensor xs = Tensor::empty({rows, cols}, DType::i64), ys = Tensor::empty({rows, cols}, DType::i64);
  int64_t* x = xs.data<int64_t>();
  int64_t* y = ys.data<int64_t>();
  // Rows are consecutive windows, so row r starts at first + r·seq_len.
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < cols; ++t) {
      const auto k = static_cast<size_t>(first + r * seq_len_ + t);
      x[r * cols + t] = tok[k];
      y[r * cols + t] = tok[k + 1];
    }
  return text_batch(std::move(xs), std::move(ys));
}

std::vector<Batch> eval_batches(const TextCorpus& corpus, Split split, int64_t batch, int64_t seq_len) {
  EvalBatches eb(corpus, split, batch, seq_len);
  std::vector<Batch> out;
  out.reserve(static_cast<size_t>(eb.size()));
  for (int64_t i = 0; i < eb.size(); ++i) out.push_back(eb[i]);
  return out;
}

}  // namespace weft
