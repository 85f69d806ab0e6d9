// SoftmaxAttention with a KV cache attached (nn/kv_cache.h): the incremental
// decoding path. An empty cache (a prefill) runs the same fused causal op as the
// normal forward; later positions attend over the cached keys with plain
// matmul/softmax, whose cost per new token is one row of scores, O(L·d).
#include <cmath>
#include <limits>
#include <vector>

#include "weft/nn/kv_cache.h"
#include "weft/nn/layers/attention.h"
#include "weft/ops/ops.h"

namespace weft {

Tensor SoftmaxAttention::attend_cached(const Tensor& qkv) {
  WEFT_CHECK(!is_training(), ValueError,
             "attention: a KV cache is for decoding in eval mode (attention dropout is not applied)");
  const int64_t B = qkv.size(0), n = qkv.size(1), d = qkv.size(2) / 3, H = n_heads_, D = d / H;
  // Part 0 (q), 1 (k) or 2 (v) of the packed projection as [B, H, n, D].
  auto heads = [&](int64_t part) { return permute(reshape(narrow(qkv, 2, part * d, d), {B, n, H, D}), {0, 2, 1, 3}); };
  const int64_t past = kv_cache_->length();
  kv_cache_->append(heads(1), heads(2));
  if (past == 0) {
    AttentionOptions ao;
    ao.scale = scale_;
    return qkv_attention(qkv, n_heads_, ao);
  }
  const int64_t L = past + n;
  const double scale = scale_ != 0.0 ? scale_ : 1.0 / std::sqrt(static_cast<double>(D));
  Tensor scores = mul(matmul(heads(0), transpose(kv_cache_->keys(), 2, 3)), scale);  // [B, H, n, L]
  if (n > 1) {
    // New position i sits at past + i: it sees keys j ≤ past + i.
    std::vector<double> m(static_cast<size_t>(n * L), 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = past + i + 1; j < L; ++j) m[static_cast<size_t>(i * L + j)] = -std::numeric_limits<double>::infinity();
    scores = add(scores, Tensor::from_vector(m, {n, L}, scores.device()).to(scores.dtype()));
  }
  Tensor out = matmul(softmax(scores, -1), kv_cache_->values());  // [B, H, n, D]
  return reshape(contiguous(permute(out, {0, 2, 1, 3})), {B, n, d});
}

}  // namespace weft
