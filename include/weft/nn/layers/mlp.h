// defines: MLP — d → ffn_mult·d → d with a GELU/ReLU/SiLU activation.
#pragma once

#include <memory>
#include <string>

#include "weft/nn/layers/linear.h"

namespace weft {

struct MLPOptions {
  double ffn_mult = 4.0;
  std::string activation = "gelu";  // gelu (tanh form) | gelu_erf | relu | silu
  bool bias = true;
  double dropout = 0.0;
  // The output projection is a residual branch's last projection for the init (SP's
  // 1/√(2L) scaling); SAS/SAS-P turn this off (variants.md §4).
  bool residual_output_init = true;
};

class MLP : public Module {
 public:
  MLP(int64_t d, const MLPOptions& o, const Parameterization& p, Generator& init_gen, Generator* dropout_gen);
  Tensor forward(const Tensor& x) const;

 private:
  std::shared_ptr<Linear> fc_, proj_;
  MLPOptions opts_;
  Generator* dropout_gen_;
};

Tensor apply_activation(const std::string& name, const Tensor& x);

}  // namespace weft
