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
  return last_position_logits(model_.forward(Tensor::from_vector(window, {1, n}, model_.device())));
}

Tensor SlidingWindowDecoder::prefill(const std::vector<int64_t>& ids) {
  WEFT_CHECK(!ids.empty(), ValueError, "decoding: the prompt must hold at least one token");
  const int64_t n = std::min<int64_t>(context_, static_cast<int64_t>(ids.size()));
  return restart(std::vector<int64_t>(ids.end() - n, ids.end()));
}

Tensor SlidingWindowDecoder::next(int64_t id) {
  WEFT_CHECK(!window_.empty(), ValueError, "decoding: next() before prefill()");
  if (static_cast<int64_t>(window_.size()) == context_) {
    const int64_t keep = std::max<int64_t>(1, context_ / 2);
    std::vector<int64_t> kept(window_.end() - (keep - 1), window_.end());
    kept.push_back(id);
    return restart(std::move(kept));
  }
  window_.push_back(id);
  return guarded_extend(1);
}

Tensor SlidingWindowDecoder::restart(std::vector<int64_t> ids) {
  forget();
  window_ = std::move(ids);
  return guarded_extend(static_cast<int64_t>(window_.size()));
}

Tensor SlidingWindowDecoder::guarded_extend(int64_t fresh) {
  NoGradGuard no_grad;
  try {
    return extend(fresh);
  } catch (...) {
    forget();
    window_.clear();
    throw;
  }
}

std::unique_ptr<TokenDecoder> LanguageModel::start_decoding() { return std::make_unique<RecomputingDecoder>(*this); }

}  // namespace weft
