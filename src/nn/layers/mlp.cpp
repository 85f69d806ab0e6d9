#include "weft/nn/layers/mlp.h"

#include <cmath>

#include "weft/core/error.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/ops/ops.h"

namespace weft {

Tensor apply_activation(const std::string& name, const Tensor& x) {
  if (name == "gelu") return gelu(x, GeluApprox::tanh);
  if (name == "gelu_erf") return gelu(x, GeluApprox::erf);
  if (name == "relu") return relu(x);
  if (name == "silu") return silu(x);
  throw ValueError("unknown activation '" + name + "' (expected gelu, gelu_erf, relu or silu)");
}

MLP::MLP(int64_t d, const MLPOptions& o, const Parameterization& p, Generator& init_gen, Generator* dropout_gen)
    : opts_(o), dropout_gen_(dropout_gen) {
  const int64_t hidden = static_cast<int64_t>(std::llround(o.ffn_mult * static_cast<double>(d)));
  // The schema's range (0, 64] cannot know d_model: a tiny ffn_mult (1e-320)
  // passes it and would round to an empty layer that fails deep in reshape.
  WEFT_CHECK(hidden >= 1, ConfigError, "ffn_mult = ", o.ffn_mult, " gives an MLP hidden width of round(",
             o.ffn_mult, " * ", d, ") = ", hidden, " at d_model ", d, "; it must be at least 1 (ffn_mult >= ",
             0.5 / static_cast<double>(d), ")");
  LinearOptions fc{o.bias, false, ParamRole::hidden_weight, o.init.gain, o.init.base, o.init.gain_on_bias};
  LinearOptions proj{o.bias, o.residual_output_init, ParamRole::hidden_weight, o.init.gain, o.init.base, o.init.gain_on_bias};
  fc_ = register_module("fc", std::make_shared<Linear>(d, hidden, p, init_gen, fc));
  if (!o.inner_norm.empty()) inner_norm_ = register_module("inner_norm", make_norm(o.inner_norm, hidden, o.norm_eps));
  proj_ = register_module("proj", std::make_shared<Linear>(hidden, d, p, init_gen, proj));
  (void)apply_activation(o.activation, Tensor::zeros({1}));  // validate the name at construction
}

Tensor MLP::forward(const Tensor& x) const {
  Tensor a = dropout(apply_activation(opts_.activation, fc_->forward(x)), opts_.act_dropout, is_training(),
                     dropout_gen_);
  // Magneto: the inner norm sits after the activation dropout, before fc2 (the Magneto paper).
  if (inner_norm_) a = apply_norm(*inner_norm_, a);
  Tensor h = proj_->forward(a);
  return dropout(h, opts_.dropout, is_training(), dropout_gen_);
}

}  // namespace weft
