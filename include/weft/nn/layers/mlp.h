// defines: MLP — d → ffn_mult·d → d with a GELU/ReLU/SiLU activation, and
// optionally Magneto's Sub-LN inner norm of width d_ff before fc2 (the Magneto paper).
#pragma once

#include <memory>
#include <string>

#include "weft/nn/layers/linear.h"

namespace weft {

struct MLPOptions {
  double ffn_mult = 4.0;
  std::string activation = "gelu";  // gelu (tanh form) | gelu_erf | relu | silu
  bool bias = true;
  double dropout = 0.0;      // on the output (residual dropout)
  double act_dropout = 0.0;  // on the activations, before the inner norm and fc2
  // Magneto Sub-LN: a norm over d_ff right before fc2 ("" = none, else layernorm | rmsnorm).
  std::string inner_norm;
  double norm_eps = 1e-5;
  BranchInit init;  // gain (Magneto γ / DeepNorm β) on fc1 and fc2, base distribution
  // The output projection is a residual branch's last projection for the init (SP's
  // 1/√(2L) scaling); SAS/SAS-P turn this off (the SAS paper).
  bool residual_output_init = true;
};

class MLP : public Module {
 public:
  MLP(int64_t d, const MLPOptions& o, const Parameterization& p, Generator& init_gen, Generator* dropout_gen);
  Tensor forward(const Tensor& x) const;

 private:
  std::shared_ptr<Linear> fc_, proj_;
  std::shared_ptr<Module> inner_norm_;  // or null
  MLPOptions opts_;
  Generator* dropout_gen_;
};

Tensor apply_activation(const std::string& name, const Tensor& x);

}  // namespace weft
