// defines: ParamShards — ZeRO-1's split of the parameters among ranks
// (train.shard_optimizer): rank r owns a contiguous run of parameters (in
// registration order, balanced by bytes), keeps their optimizer state, updates
// them, and hands the new values to everyone; and gather_state_tensors, which
// collects every rank's named state tensors on rank 0 for the checkpoint.
#pragma once

#include <vector>

#include "weft/dist/communicator.h"
#include "weft/optim/optimizer.h"

namespace weft {

class ParamShards {
 public:
  ParamShards(const NamedParameters& params, int ranks);
  // owned()[i]: parameter i is this rank's (for Optimizer::shard).
  std::vector<bool> owned_by(int rank) const;
  int owner(size_t i) const { return owner_[i]; }
  // After each rank updated its own parameters: every rank gets every value
  // (one broadcast per parameter from its owner, into the parameter itself).
  void all_gather(Communicator& c, const NamedParameters& params) const;

 private:
  std::vector<int> owner_;
  std::vector<size_t> bytes_of_rank_;
};

// Every rank's `mine` on rank 0, rank order (elsewhere: empty). Collective.
Optimizer::StateTensors gather_state_tensors(Communicator& c, const Optimizer::StateTensors& mine);

}  // namespace weft
