#include "weft/nn/decoding.h"

#include <algorithm>

#include "weft/autograd/grad_mode.h"
#include "weft/core/error.h"
#include "weft/nn/language_model.h"
#include "weft/ops/ops.h"

namespace weft {

Tensor last_position_logits(const Tensor& logits) {
  WEFT_CHECK(logits.dim() == 3 && logits.size(0) == 1, ShapeError, "decoding: logits must be [1, time, vocab], got ",
             logits.describe());
  const int64_t T = logits.size(1);
  return reshape(narrow(logits, 1, T - 1, 1), {logits.size(2)});
}

Tensor RecomputingDecoder::prefill(const std::vector<int64_t>& ids) {
  WEFT_CHECK(!ids.empty(), ValueError, "decoding: the prompt must hold at least one token");
  ids_ = ids;
  return logits_after_last();
}

Tensor RecomputingDecoder::next(int64_t id) {
  WEFT_CHECK(!ids_.empty(), ValueError, "decoding: next() before prefill()");
  ids_.push_back(id);
  // Only the last context_length() ids are ever read again.
  const auto ctx = static_cast<size_t>(model_.context_length());
  if (ids_.size() > 2 * ctx) ids_.erase(ids_.begin(), ids_.end() - static_cast<std::ptrdiff_t>(ctx));
  return logits_after_last();
}

Tensor RecomputingDecoder::logits_after_last() {
  NoGradGuard no_grad;
  const int64_t n = std::min<int64_t>(model_.context_length(), static_cast<int64_t>(ids_.size()));
  std::vector<int64_t> window(ids_.end() - n, ids_.end());
  return last_position_logits(model_.forward(Tensor::from_vector(window, {1, n})));
}

std::unique_ptr<TokenDecoder> LanguageModel::start_decoding() { return std::make_unique<RecomputingDecoder>(*this); }

}  // namespace weft
