#include "weft/data/sampler.h"

#include <algorithm>
#include <cmath>

#include "weft/core/error.h"
#include "weft/core/rng.h"

namespace weft {

BatchSampler::BatchSampler(const TextCorpus& corpus, Split split, int64_t batch, int64_t seq_len, uint64_t seed)
    : corpus_(&corpus), split_(split), batch_(batch), seq_len_(seq_len), seed_(seed) {
  WEFT_CHECK(batch >= 1, ValueError, "sampler: batch = ", batch, " must be >= 1");
  WEFT_CHECK(seq_len >= 1, ValueError, "sampler: seq_len = ", seq_len, " must be >= 1");
  corpus.require_split_length(split, seq_len);
}

Batch BatchSampler::next() { return batch_at(cursor_++); }

Batch BatchSampler::batch_at(int64_t cursor) const {
  WEFT_CHECK(cursor >= 0, ValueError, "sampler: cursor = ", cursor, " must be >= 0");
  const std::vector<int32_t>& tok = corpus_->tokens(split_);
  const int64_t range = static_cast<int64_t>(tok.size()) - seq_len_;  // ≥ 1 by the constructor's check
  Tensor xs = Tensor::empty({batch_, seq_len_}, DType::i64), ys = Tensor::empty({batch_, seq_len_}, DType::i64);
  int64_t* x = xs.data<int64_t>();
  int64_t* y = ys.data<int64_t>();
  const PhiloxState stream{seed_, 0};
  for (int64_t b = 0; b < batch_; ++b) {
    const double u = philox_uniform(stream, static_cast<uint64_t>(cursor * batch_ + b));
    // u ∈ (0, 1]: u = 1 would give `range`, one past the last valid start.
    const int64_t start = std::min(static_cast<int64_t>(std::floor(u * static_cast<double>(range))), range - 1);
    for (int64_t t = 0; t < seq_len_; ++t) {
      x[b * seq_len_ + t] = tok[static_cast<size_t>(start + t)];
      y[b * seq_len_ + t] = tok[static_cast<size_t>(start + t + 1)];
    }
  }
  return text_batch(std::move(xs), std::move(ys));
}

nlohmann::json BatchSampler::state() const {
  return {{"cursor", cursor_}, {"seed", seed_}, {"split", std::string(split_name(split_))}, {"batch", batch_},
          {"seq_len", seq_len_}};
}

void BatchSampler::load_state(const nlohmann::json& j) {
  WEFT_CHECK(j.is_object(), CheckpointError, "sampler state: expected a JSON object, got ", j.dump());
  const auto require = [&](const char* key, bool ok) {
    WEFT_CHECK(j.contains(key) && ok, CheckpointError, "sampler state: key '", key, "' is missing or malformed in ",
               j.dump());
  };
  require("cursor", j.contains("cursor") && j["cursor"].is_number_integer() && j["cursor"].get<int64_t>() >= 0);
  require("seed", j.contains("seed") && (j["seed"].is_number_unsigned() ||
                                         (j["seed"].is_number_integer() && j["seed"].get<int64_t>() >= 0)));
  require("split", j.contains("split") && j["split"].is_string());
  const std::string split = j["split"].get<std::string>();
  WEFT_CHECK(split == split_name(split_), CheckpointError, "sampler state: saved for split '", split,
             "' but this sampler reads '", split_name(split_), "'");
  // batch and seq_len fix which windows a cursor addresses; they must not change across a resume.
  for (const auto& [key, mine] : {std::pair{"batch", batch_}, std::pair{"seq_len", seq_len_}}) {
    if (!j.contains(key)) continue;
    WEFT_CHECK(j[key].is_number_integer() && j[key].get<int64_t>() == mine, CheckpointError, "sampler state: '",
               key, "' was ", j[key].dump(), " but is now ", mine);
  }
  // The seed comes from the recipe; a different one in the state is damage, not a choice.
  WEFT_CHECK(j["seed"].get<uint64_t>() == seed_, CheckpointError, "sampler state: 'seed' is ", j["seed"].dump(),
             " but the recipe's seed gives ", seed_);
  cursor_ = j["cursor"].get<int64_t>();
}

}  // namespace weft
