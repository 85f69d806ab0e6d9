// defines: GradReducer — the gradients of one optimizer step, summed over every
// micro-batch of every rank in one fixed order, whatever the number of ranks.
//
// The order (what makes `-np N` bit-identical to one process): a step's G
// micro-batch gradients g_0 … g_{G-1} (micro-batch i of rank r is global
// micro-batch r·k + i) are summed as the tree T(0, G) with
//   T(i, i+1) = g_i,  T(lo, hi) = T(lo, lo+m) + T(lo+m, hi),  m = the largest
//   power of two below hi − lo
// (a perfect binary tree when G is a power of two). Each rank computes its
// subtree T(r·k, r·k+k) locally; when k is a power of two that subtree is a node
// of T(0, G) and the upper part of the tree is the same rule over the N rank
// sums, which the owner of each shard of a bucket applies after a reduce-scatter
// (all_to_all_v: it receives that shard from every rank). The reduced shards are
// then all-gathered. So for any N and any power-of-two k, the result is T(0, N·k)
// bit for bit, e.g. `-np 4` = `-np 2 grad_accum: 2` = one process with
// grad_accum: 4. Parameters that got no gradient in a micro-batch are the
// identity (not zeros) of the sum, and a parameter stays without gradient only
// when no micro-batch anywhere reached it (optimizer.h: skipped parameters).
//
// Overlap: during the last local micro-batch's backward, a leaf whose gradient
// is final (autograd/tape.h: LeafGradHookScope) is folded at once; a bucket
// (parameters in reverse order of registration, about bucket_bytes each) whose
// parameters are all final starts its reduce-scatter then, and its all-gather
// as soon as the reduce-scatter is done. Buckets start in index order on every
// rank (never in the order hooks fire), on two private communicators.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "weft/autograd/tape.h"
#include "weft/dist/communicator.h"
#include "weft/optim/optimizer.h"

namespace weft {

struct ReduceStats {
  double exposed_s = 0;   // time the trainer waited for communication after the last backward
  double reduce_s = 0;    // time spent folding received shards
  size_t bytes_sent = 0;  // by this rank to the others, per step: about 2·(N−1)/N of the gradients' bytes
};

class GradReducer {
 public:
  GradReducer(Communicator& world, const NamedParameters& params, size_t bucket_bytes, bool overlap);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  // Per step: begin_step(k); then for each local micro-batch m: forward, then
  // { auto h = hooks(m); loss.backward(); } after_backward(m); then finish():
  // every parameter's .grad holds T(0, N·k) (or is undefined, see above).
  void begin_step(int64_t local_micro_batches);
  // The hook scope for micro-batch m's backward (null when nothing overlaps).
  std::unique_ptr<LeafGradHookScope> hooks(int64_t m);
  void after_backward(int64_t m);
  void finish();

  // True when one process with one micro-batch: the gradients are left exactly
  // as backward() wrote them, no copy.
  bool passthrough() const { return passthrough_; }
  const ReduceStats& last_stats() const { return stats_; }

 private:
  struct Partial {
    Tensor t;  // undefined: no gradient
    int64_t n = 0;
  };
  struct Bucket;

  void fold_param(size_t i);  // pushes .grad into param i's tree and, if last, folds it
  void param_final(size_t i);
  void progress(bool block);  // launches, folds and completes buckets in order
  void launch_reduce(Bucket& b);
  void launch_gather(Bucket& b);
  void complete(Bucket& b);

  Communicator& world_;
  std::unique_ptr<Communicator> rs_comm_, ag_comm_;
  NamedParameters params_;
  bool overlap_ = true;
  bool passthrough_ = false;
  int64_t local_ = 1, micro_ = 0;
  std::vector<std::vector<Partial>> trees_;  // per parameter: the binary counter
  std::vector<Tensor> result_;               // per parameter: the local fold
  std::vector<bool> final_;
  std::vector<int> bucket_of_;
  std::vector<std::unique_ptr<Bucket>> buckets_;
  size_t next_reduce_ = 0, next_gather_ = 0, next_complete_ = 0;
  std::unordered_map<const TensorImpl*, size_t> index_of_;
  ReduceStats stats_;
};

// The tree rule above applied to `n` leaves with `combine(a, b)` (a = left):
// what GradReducer computes, for tests and for the cross-rank fold.
template <typename T, typename Leaf, typename Combine>
T tree_fold(int64_t lo, int64_t hi, Leaf&& leaf, Combine&& combine) {
  if (hi - lo == 1) return leaf(lo);
  int64_t m = 1;
  while (m * 2 < hi - lo) m *= 2;
  T left = tree_fold<T>(lo, lo + m, leaf, combine);
  T right = tree_fold<T>(lo + m, hi, leaf, combine);
  return combine(std::move(left), std::move(right));
}

}  // namespace weft
