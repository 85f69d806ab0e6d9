// defines: EvalBatches, eval_batches — a whole split cut into non-overlapping
// windows, so evaluation predicts every token of the split exactly once.
//
// A split of N tokens has N − 1 targets (every token but the first). Window k
// covers x = tokens[k·T, k·T + T) and y = tokens[k·T + 1, k·T + T + 1), for the
// W = floor((N − 1)/T) full windows; they are grouped in order into batches of
// `batch` rows (the last group may have fewer rows). When r = (N − 1) − W·T > 0,
// the remaining r targets form one final batch of shape [1, r] (a shortened
// window), so nothing is dropped: the batches hold exactly N − 1 targets. Each
// window starts with no context from the previous one.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/data/batch.h"
#include "weft/data/text_dataset.h"

namespace weft {

class EvalBatches {
 public:
  // Keeps a reference to `corpus`. Throws ValueError unless batch ≥ 1 and
  // seq_len ≥ 1, and DataError when the split has fewer than 2 tokens.
  EvalBatches(const TextCorpus& corpus, Split split, int64_t batch, int64_t seq_len);

  int64_t size() const { return num_batches_; }            // number of batches
  int64_t num_targets() const { return n_tokens_ - 1; }    // = Σ over batches of y.numel()
  // Batch i in [0, size()); IndexError otherwise.
  Batch operator[](int64_t i) const;

 private:
  const TextCorpus* corpus_;
  Split split_;
  int64_t batch_, seq_len_;
  int64_t n_tokens_ = 0, full_windows_ = 0, full_batches_ = 0, remainder_ = 0, num_batches_ = 0;
};

// All of them at once (convenient for small splits and tests).
std::vector<Batch> eval_batches(const TextCorpus& corpus, Split split, int64_t batch, int64_t seq_len);

}  // namespace weft
