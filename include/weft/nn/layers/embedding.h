// defines: Embedding — a lookup table [num, dim].
#pragma once

#include "weft/nn/module.h"
#include "weft/param/parameterization.h"

namespace weft {

class Embedding : public Module {
 public:
  Embedding(int64_t num, int64_t dim, const Parameterization& p, Generator& gen);
  // ids (i64, any shape) → [..., dim]
  Tensor forward(const Tensor& ids) const;
  Parameter& weight() { return *weight_; }

 private:
  Parameter* weight_ = nullptr;
};

}  // namespace weft
