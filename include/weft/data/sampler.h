// defines: BatchSampler — deterministic random training windows whose state is
// O(1): the sample is a pure function of (seed, cursor).
//
// Draw number c (the cursor, 0-based) holds `batch` windows of seq_len + 1 tokens
// from a split of N tokens; window b starts at
//   start(c, b) = min(floor(philox_uniform({seed, 0}, c·batch + b) · (N − seq_len)), N − seq_len − 1)
// (philox_uniform is in (0, 1], hence the clamp), x = tokens[start, start + seq_len)
// and y = tokens[start + 1, start + seq_len + 1). Windows are drawn with
// replacement, so there are no epochs: resuming only needs the cursor, with no
// fast-forward, and any draw can be recomputed on its own (batch_at).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "weft/data/batch.h"
#include "weft/data/dataset.h"
#include "weft/data/text_dataset.h"

namespace weft {

class BatchSampler : public Sampler {
 public:
  // Keeps a reference to `corpus`, which must outlive the sampler. Throws
  // ValueError unless batch ≥ 1 and seq_len ≥ 1, and DataError (require_split_length)
  // when the split is shorter than seq_len + 1 tokens.
  BatchSampler(const TextCorpus& corpus, Split split, int64_t batch, int64_t seq_len, uint64_t seed);

  // The batch at the cursor; then cursor += 1.
  Batch next() override;
  // The batch of draw number `cursor`, without moving the cursor.
  Batch batch_at(int64_t cursor) const;

  // {"cursor": c, "seed": s, "split": "train", "batch": B, "seq_len": T}
  nlohmann::json state() const override;
  // Restores the cursor. Throws CheckpointError naming the key when a key is
  // missing or malformed, or when split, batch, seq_len or seed differ from this
  // sampler's (the cursor would then address different windows; the seed is the recipe's).
  void load_state(const nlohmann::json& j) override;

  int64_t cursor() const { return cursor_; }
  uint64_t seed() const { return seed_; }
  Split split() const { return split_; }
  int64_t batch_size() const { return batch_; }
  int64_t seq_len() const { return seq_len_; }

 private:
  const TextCorpus* corpus_;
  Split split_;
  int64_t batch_, seq_len_;
  uint64_t seed_;
  int64_t cursor_ = 0;
};

}  // namespace weft
