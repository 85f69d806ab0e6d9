#include "weft/nn/layers/embedding.h"

#include "weft/ops/ops.h"

namespace weft {

Embedding::Embedding(int64_t num, int64_t dim, const Parameterization& p, Generator& gen) {
  InitRequest r{ParamRole::embedding, num, dim, false};
  weight_ = &register_parameter("weight", init_parameter(p, r, {num, dim}, gen), ParamRole::embedding);
  weight_->init_std = init_std_of(p, r);
}

Tensor Embedding::forward(const Tensor& ids) const { return embedding(weight_->tensor, ids); }

}  // namespace weft
