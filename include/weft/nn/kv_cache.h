// defines: KVCache — one attention layer's keys and values of the positions
// decoded so far, for incremental (token by token) generation.
//
// K and V are preallocated [B, H, capacity, D] on the first append (shape, dtype
// and device come from the first keys), then filled left to right: appending n
// positions costs a copy of n rows, never a reallocation. An Attention attached
// to a cache (Attention::set_kv_cache) appends its new keys/values and attends
// over everything filled so far (nn/decoding.h drives it).
// cacheable_attentions() finds the attentions a model's cached decoder drives.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/core/tensor.h"

namespace weft {

class Attention;
class Module;

class KVCache {
 public:
  explicit KVCache(int64_t capacity);

  int64_t capacity() const { return capacity_; }
  // Positions filled so far (the absolute position of the next one appended).
  int64_t length() const { return length_; }
  // Forgets every position (keeps the buffers).
  void reset() { length_ = 0; }

  // Appends k, v [B, H, n, D] at positions length().. ; throws ShapeError when
  // they do not fit in the capacity or their shape differs from earlier appends.
  void append(const Tensor& k, const Tensor& v);
  // Views [B, H, length(), D] of the filled keys and values (no copy).
  Tensor keys() const;
  Tensor values() const;

  // For tests: the full buffers (a planted wrong entry must change the logits).
  Tensor& key_buffer() { return k_; }
  Tensor& value_buffer() { return v_; }

 private:
  int64_t capacity_;
  int64_t length_ = 0;
  Tensor k_, v_;
};

// Appends every Attention in the tree under root (in children() order) to out;
// false when some block mixes positions outside its attention or some attention
// cannot use a cache, so the model must decode by recomputing instead.
bool cacheable_attentions(const Module& root, std::vector<Attention*>& out);

}  // namespace weft
