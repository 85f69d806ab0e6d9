#include "weft/nn/kv_cache.h"

#include "weft/core/error.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/block.h"
#include "weft/ops/ops.h"

namespace weft {

KVCache::KVCache(int64_t capacity) : capacity_(capacity) {
  WEFT_CHECK(capacity >= 1, ValueError, "kv cache: capacity must be at least 1, got ", capacity);
}

void KVCache::append(const Tensor& k, const Tensor& v) {
  WEFT_CHECK(k.dim() == 4 && v.shape() == k.shape(), ShapeError, "kv cache: keys ", k.describe(), " and values ",
             v.describe(), " must both be [batch, heads, n, head_dim]");
  const Shape& s = k.shape();
  const int64_t n = s[2];
  if (!k_.defined()) {
    k_ = Tensor::zeros({s[0], s[1], capacity_, s[3]}, k.dtype(), k.device());
    v_ = Tensor::zeros({s[0], s[1], capacity_, s[3]}, k.dtype(), k.device());
  }
  WEFT_CHECK(s[0] == k_.shape()[0] && s[1] == k_.shape()[1] && s[3] == k_.shape()[3] && k.dtype() == k_.dtype(),
             ShapeError, "kv cache: keys ", k.describe(), " do not match the cache ", k_.describe());
  WEFT_CHECK(n >= 0 && length_ + n <= capacity_, ShapeError, "kv cache: ", n, " new positions after ", length_,
             " exceed the capacity ", capacity_);
  narrow(k_, 2, length_, n).copy_(k);
  narrow(v_, 2, length_, n).copy_(v);
  length_ += n;
}

Tensor KVCache::keys() const { return narrow(k_, 2, 0, length_); }
Tensor KVCache::values() const { return narrow(v_, 2, 0, length_); }

bool cacheable_attentions(const Module& root, std::vector<Attention*>& out) {
  if (auto* b = dynamic_cast<const Block*>(&root); b && !b->mixes_positions_only_in_attention()) return false;
  if (auto* a = dynamic_cast<const Attention*>(&root)) {
    if (!a->supports_kv_cache()) return false;
    out.push_back(const_cast<Attention*>(a));
    return true;  // an attention's submodules (projections, norms) are its own business
  }
  for (auto& [name, child] : root.children())
    if (!cacheable_attentions(*child, out)) return false;
  return true;
}

}  // namespace weft
