#include "weft/dist/grad_reducer.h"

#include <chrono>
#include <cstring>

#include "weft/backend/dispatch.h"

namespace weft {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// A run of one parameter's shard in the cross-rank fold: borrowed or owned values.
template <typename E>
struct Seg {
  const E* p = nullptr;
  std::vector<E> own;
  bool def = false;
};

template <typename E>
Seg<E> add_segs(Seg<E> a, Seg<E> b, int64_t len) {
  if (!a.def) return b;
  if (!b.def) return a;
  Seg<E> out;
  out.own.resize(static_cast<size_t>(len));
  for (int64_t e = 0; e < len; ++e) out.own[size_t(e)] = a.p[e] + b.p[e];
  out.p = out.own.data();
  out.def = true;
  return out;
}

}  // namespace

struct GradReducer::Bucket {
  DType dtype = DType::f32;
  size_t esize = 4;
  std::vector<size_t> params;
  std::vector<int64_t> off;  // element offset of each parameter in the bucket
  int64_t n = 0;
  size_t ready = 0;
  std::vector<int64_t> lo;  // shard j is [lo[j], lo[j+1])
  std::vector<char> send, recv, shard, full;
  std::vector<size_t> s_bytes, s_off, r_bytes, r_off, g_bytes, g_off;
  std::vector<unsigned char> flags;  // per parameter: some rank had a gradient
  std::unique_ptr<CommRequest> rs, ag;
};

GradReducer::GradReducer(Communicator& world, const NamedParameters& params, size_t bucket_bytes, bool overlap)
    : world_(world), params_(params), overlap_(overlap) {
  const size_t np = params_.size();
  trees_.resize(np);
  result_.resize(np);
  final_.assign(np, false);
  bucket_of_.assign(np, -1);
  for (size_t i = 0; i < np; ++i) index_of_[params_[i].second->tensor.impl_ptr().get()] = i;
  if (world_.size() == 1) return;
  const int64_t N = world_.size();
  // Reverse registration order: roughly the order backward finishes them.
  for (size_t k = np; k-- > 0;) {
    const Tensor& t = params_[k].second->tensor;
    WEFT_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, DTypeError,
               "data-parallel training sums f32 and f64 gradients; parameter '", params_[k].first, "' is ",
               dtype_name(t.dtype()));
    if (buckets_.empty() || buckets_.back()->dtype != t.dtype() ||
        static_cast<size_t>(buckets_.back()->n) * buckets_.back()->esize >= bucket_bytes) {
      buckets_.push_back(std::make_unique<Bucket>());
      buckets_.back()->dtype = t.dtype();
      buckets_.back()->esize = dtype_size(t.dtype());
    }
    Bucket& b = *buckets_.back();
    bucket_of_[k] = static_cast<int>(buckets_.size() - 1);
    b.params.push_back(k);
    b.off.push_back(b.n);
    b.n += t.numel();
  }
  for (auto& bp : buckets_) {
    Bucket& b = *bp;
    const int64_t P = static_cast<int64_t>(b.params.size());
    b.lo.resize(size_t(N + 1));
    for (int64_t j = 0; j <= N; ++j) b.lo[size_t(j)] = b.n * j / N;
    const int64_t mine = b.lo[size_t(world_.rank()) + 1] - b.lo[size_t(world_.rank())];
    size_t s = 0, r = 0;
    for (int64_t j = 0; j < N; ++j) {
      const size_t piece = size_t(P + b.lo[size_t(j) + 1] - b.lo[size_t(j)]) * b.esize;
      b.s_bytes.push_back(piece);
      b.s_off.push_back(s);
      s += piece;
      b.r_bytes.push_back(size_t(P + mine) * b.esize);
      b.r_off.push_back(r);
      r += size_t(P + mine) * b.esize;
      b.g_bytes.push_back(size_t(b.lo[size_t(j) + 1] - b.lo[size_t(j)]) * b.esize);
      b.g_off.push_back(size_t(b.lo[size_t(j)]) * b.esize);
    }
    b.send.resize(s);
    b.recv.resize(r);
    b.shard.resize(size_t(mine) * b.esize);
    b.full.resize(size_t(b.n) * b.esize);
    b.flags.resize(size_t(P));
  }
}

GradReducer::~GradReducer() {
  // Outstanding requests complete before their buffers go (never in normal use).
  for (auto& b : buckets_) {
    if (b->rs) b->rs->wait();
    if (b->ag) b->ag->wait();
  }
}

void GradReducer::begin_step(int64_t local_micro_batches) {
  if (world_.size() > 1 && !rs_comm_) {
    // Collective: done at the first step, after every rank passed the setup's
    // agreement (a rank that failed in setup is not there to match it).
    rs_comm_ = world_.duplicate();
    ag_comm_ = world_.duplicate();
  }
  local_ = local_micro_batches;
  passthrough_ = world_.size() == 1 && local_ == 1;
  micro_ = 0;
  final_.assign(params_.size(), false);
  for (auto& b : buckets_) b->ready = 0;
  next_reduce_ = next_gather_ = next_complete_ = 0;
  stats_ = {};
}

void GradReducer::fold_param(size_t i) {
  if (final_[i]) return;
  Parameter& p = *params_[i].second;
  std::vector<Partial>& st = trees_[i];
  st.push_back({p.tensor.grad(), 1});
  p.tensor.zero_grad();
  // The tree rule as a binary counter: equal neighbours merge at once, the rest
  // merges right to left at the end (grad_reducer.h).
  const auto combine = [](Partial a, Partial b) {
    Partial out{a.t, a.n + b.n};
    if (!a.t.defined())
      out.t = b.t;
    else if (b.t.defined())
      backend_for(a.t.device()).binary(BinaryOp::add, a.t, b.t, out.t);  // a's buffer is ours alone
    return out;
  };
  while (st.size() >= 2 && st[st.size() - 1].n == st[st.size() - 2].n) {
    Partial b = std::move(st.back());
    st.pop_back();
    st.back() = combine(std::move(st.back()), std::move(b));
  }
  if (micro_ != local_ - 1) return;
  while (st.size() >= 2) {
    Partial b = std::move(st.back());
    st.pop_back();
    st.back() = combine(std::move(st.back()), std::move(b));
  }
  result_[i] = st.empty() ? Tensor() : st.back().t;
  st.clear();
  param_final(i);
}

void GradReducer::param_final(size_t i) {
  final_[i] = true;
  if (bucket_of_[i] >= 0) buckets_[size_t(bucket_of_[i])]->ready++;
}

std::unique_ptr<LeafGradHookScope> GradReducer::hooks(int64_t m) {
  micro_ = m;
  if (passthrough_ || !overlap_ || world_.size() == 1 || m != local_ - 1) return nullptr;
  return std::make_unique<LeafGradHookScope>([this](TensorImpl& leaf) {
    auto it = index_of_.find(&leaf);
    if (it == index_of_.end()) return;
    fold_param(it->second);
    progress(false);
  });
}

void GradReducer::after_backward(int64_t m) {
  micro_ = m;
  if (passthrough_) return;
  for (size_t i = 0; i < params_.size(); ++i) fold_param(i);
}

void GradReducer::launch_reduce(Bucket& b) {
  const int64_t N = world_.size();
  const int64_t P = static_cast<int64_t>(b.params.size());
  char* send = b.send.data();
  for (int64_t j = 0; j < N; ++j) {
    char* piece = send + b.s_off[size_t(j)];
    const int64_t lo = b.lo[size_t(j)], hi = b.lo[size_t(j) + 1];
    for (int64_t q = 0; q < P; ++q) {
      const Tensor& g = result_[b.params[size_t(q)]];
      const double flag = g.defined() ? 1.0 : 0.0;
      if (b.dtype == DType::f32) {
        const float f = static_cast<float>(flag);
        std::memcpy(piece + size_t(q) * 4, &f, 4);
      } else {
        std::memcpy(piece + size_t(q) * 8, &flag, 8);
      }
      if (!g.defined()) continue;
      const int64_t a = std::max(lo, b.off[size_t(q)]), e = std::min(hi, b.off[size_t(q)] + g.numel());
      if (a >= e) continue;
      std::memcpy(piece + size_t(P + a - lo) * b.esize,
                  static_cast<const char*>(g.raw_data()) + size_t(a - b.off[size_t(q)]) * b.esize,
                  size_t(e - a) * b.esize);
    }
  }
  for (size_t q : b.params) result_[q] = Tensor();
  for (size_t j = 0; j < size_t(N); ++j)
    if (j != size_t(world_.rank())) stats_.bytes_sent += b.s_bytes[j];  // the own piece stays here
  b.rs = rs_comm_->all_to_all_v(b.send.data(), b.s_bytes, b.s_off, b.recv.data(), b.r_bytes, b.r_off);
}

namespace {

// The owner's fold of shard `me` over every rank's piece (tree rule, rank order).
template <typename E>
void fold_shard(const std::vector<char>& recv, const std::vector<size_t>& r_off, const std::vector<int64_t>& off,
                const std::vector<size_t>& params, const std::vector<int64_t>& numel, int64_t lo, int64_t hi,
                int64_t N, std::vector<char>& shard, std::vector<unsigned char>& flags) {
  const int64_t P = static_cast<int64_t>(params.size());
  const auto piece = [&](int64_t i) { return reinterpret_cast<const E*>(recv.data() + r_off[size_t(i)]); };
  E* out = reinterpret_cast<E*>(shard.data());
  for (int64_t q = 0; q < P; ++q) {
    bool any = false;
    for (int64_t i = 0; i < N; ++i) any = any || piece(i)[q] != E(0);
    flags[size_t(q)] = any ? 1 : 0;
    const int64_t a = std::max(lo, off[size_t(q)]), e = std::min(hi, off[size_t(q)] + numel[size_t(q)]);
    if (a >= e) continue;
    const int64_t len = e - a;
    Seg<E> s = tree_fold<Seg<E>>(
        0, N,
        [&](int64_t i) {
          Seg<E> l;
          l.def = piece(i)[q] != E(0);
          l.p = piece(i) + P + (a - lo);
          return l;
        },
        [&](Seg<E> x, Seg<E> y) { return add_segs(std::move(x), std::move(y), len); });
    if (s.def)
      std::memcpy(out + (a - lo), s.p, size_t(len) * sizeof(E));
    else
      std::memset(static_cast<void*>(out + (a - lo)), 0, size_t(len) * sizeof(E));
  }
}

}  // namespace

void GradReducer::launch_gather(Bucket& b) {
  const auto t0 = Clock::now();
  const int64_t N = world_.size(), me = world_.rank();
  std::vector<int64_t> numel;
  for (size_t q : b.params) numel.push_back(params_[q].second->tensor.numel());
  if (b.dtype == DType::f32)
    fold_shard<float>(b.recv, b.r_off, b.off, b.params, numel, b.lo[size_t(me)], b.lo[size_t(me) + 1], N, b.shard,
                      b.flags);
  else
    fold_shard<double>(b.recv, b.r_off, b.off, b.params, numel, b.lo[size_t(me)], b.lo[size_t(me) + 1], N, b.shard,
                       b.flags);
  stats_.reduce_s += since(t0);
  stats_.bytes_sent += b.shard.size() * size_t(N - 1);
  b.ag = ag_comm_->all_gather_v(b.shard.data(), b.shard.size(), b.full.data(), b.g_bytes, b.g_off);
}

void GradReducer::progress(bool block) {
  while (next_reduce_ < buckets_.size() && buckets_[next_reduce_]->ready == buckets_[next_reduce_]->params.size())
    launch_reduce(*buckets_[next_reduce_++]);
  while (next_gather_ < next_reduce_) {
    Bucket& b = *buckets_[next_gather_];
    if (block)
      b.rs->wait();
    else if (!b.rs->test())
      break;
    b.rs.reset();
    launch_gather(b);
    ++next_gather_;
  }
}

void GradReducer::complete(Bucket& b) {
  b.ag->wait();
  b.ag.reset();
  for (size_t q = 0; q < b.params.size(); ++q) {
    if (!b.flags[q]) continue;
    Parameter& p = *params_[b.params[q]].second;
    Tensor g = Tensor::empty(p.tensor.shape(), p.tensor.dtype(), p.tensor.device());
    std::memcpy(g.raw_data(), b.full.data() + size_t(b.off[q]) * b.esize, g.nbytes());
    p.tensor.set_grad(g);
  }
}

void GradReducer::finish() {
  if (passthrough_) return;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!final_[i]) {  // reached by no later backward (or no hook): its tree ends here
      micro_ = local_ - 1;
      fold_param(i);
    }
  }
  if (world_.size() == 1) {
    for (size_t i = 0; i < params_.size(); ++i) {
      if (result_[i].defined()) params_[i].second->tensor.set_grad(result_[i]);
      result_[i] = Tensor();
    }
    return;
  }
  progress(true);
  for (auto& b : buckets_) complete(*b);
  stats_.exposed_s = since(t0);
}

}  // namespace weft
