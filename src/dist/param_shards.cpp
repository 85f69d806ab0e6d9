#include "weft/dist/param_shards.h"

#include <cstring>

namespace weft {

ParamShards::ParamShards(const NamedParameters& params, int ranks) {
  size_t total = 0;
  for (const auto& [n, p] : params) total += p->tensor.nbytes();
  owner_.resize(params.size());
  bytes_of_rank_.assign(static_cast<size_t>(ranks), 0);
  // Parameter i goes to the rank whose equal share of the bytes holds its first byte.
  size_t before = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    const int r = total == 0 ? 0 : static_cast<int>(before * static_cast<size_t>(ranks) / total);
    owner_[i] = std::min(r, ranks - 1);
    bytes_of_rank_[size_t(owner_[i])] += params[i].second->tensor.nbytes();
    before += params[i].second->tensor.nbytes();
  }
}

std::vector<bool> ParamShards::owned_by(int rank) const {
  std::vector<bool> out(owner_.size());
  for (size_t i = 0; i < owner_.size(); ++i) out[i] = owner_[i] == rank;
  return out;
}

void ParamShards::all_gather(Communicator& c, const NamedParameters& params) const {
  // Straight into each parameter's storage from its owner: no staging buffer,
  // so the memory ZeRO-1 saves is not spent again here.
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& t = params[i].second->tensor;
    c.broadcast(t.raw_data(), t.nbytes(), owner_[i]);
  }
}

namespace {

template <typename T>
void put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
T take(const std::string& s, size_t& at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof v);
  at += sizeof v;
  return v;
}

}  // namespace

Optimizer::StateTensors gather_state_tensors(Communicator& c, const Optimizer::StateTensors& mine) {
  std::string blob;
  for (const auto& [name, t] : mine) {
    put<uint64_t>(blob, name.size());
    blob += name;
    put<uint8_t>(blob, static_cast<uint8_t>(t.dtype()));
    put<uint64_t>(blob, t.shape().size());
    for (int64_t d : t.shape()) put<int64_t>(blob, d);
    Tensor ct = t.to(Device::cpu());  // optimizer state may live on a device
    if (!ct.is_contiguous()) ct = ct.clone();
    blob.append(static_cast<const char*>(ct.raw_data()), ct.nbytes());
  }
  // A gather to rank 0 as an all-to-all where only rank 0 receives.
  const int n = c.size();
  const std::vector<std::string> sizes = c.all_gather(std::to_string(blob.size()));
  std::vector<size_t> s_bytes(size_t(n), 0), s_off(size_t(n), 0), r_bytes(size_t(n), 0), r_off(size_t(n), 0);
  s_bytes[0] = blob.size();
  size_t total = 0;
  if (c.rank() == 0)
    for (int i = 0; i < n; ++i) {
      r_bytes[size_t(i)] = std::stoull(sizes[size_t(i)]);
      r_off[size_t(i)] = total;
      total += r_bytes[size_t(i)];
    }
  std::string all(total, '\0');
  c.all_to_all_v(blob.data(), s_bytes, s_off, all.data(), r_bytes, r_off)->wait();
  Optimizer::StateTensors out;
  size_t at = 0;
  while (at < all.size()) {
    const auto len = take<uint64_t>(all, at);
    std::string name = all.substr(at, len);
    at += len;
    const auto dtype = static_cast<DType>(take<uint8_t>(all, at));
    Shape shape(take<uint64_t>(all, at));
    for (auto& d : shape) d = take<int64_t>(all, at);
    Tensor t = Tensor::empty(shape, dtype);
    std::memcpy(t.raw_data(), all.data() + at, t.nbytes());
    at += t.nbytes();
    out.emplace_back(std::move(name), std::move(t));
  }
  return out;
}

}  // namespace weft
