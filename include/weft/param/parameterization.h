// defines: Parameterization — per-parameter init std and multipliers, and the
// model-level residual / output multipliers (ARCHITECTURE.md "param").
//
// Layers never hard-code an init std: they ask the model's Parameterization,
// naming the parameter's role and fans. The standard parameterization (SP) is
// GPT-2's: N(0, init_std²) for matrices and embeddings, with the output
// projections of residual branches scaled by 1/√(2·n_layers); zero biases; unit
// norm gains. µP and CompleteP (variants.md §7) plug in as other implementations.
#pragma once

#include <memory>
#include <string>

#include "weft/nn/parameter.h"

namespace weft {

struct ModelShape {
  int64_t width = 0;   // d_model
  int64_t depth = 0;   // number of blocks
  int64_t d_head = 0;  // per-head width
};

// The base distribution of a weight before any gain. `param` asks the
// parameterization (SP/µP/CompleteP); the others are what some papers' reference
// code uses (variants.md: "Xavier-normal(g)", "torch-default Linear").
enum class InitBase : uint8_t {
  param,          // N(0, std²), std from the Parameterization
  xavier_normal,  // N(0, 2/(fan_in+fan_out))
  torch_default,  // U(−1/√fan_in, +1/√fan_in) (weights and biases)
};

struct InitRequest {
  ParamRole role;
  int64_t fan_in = 0;
  int64_t fan_out = 0;
  bool residual_output = false;  // the last projection of a residual branch
  // A block type's init gain on top of the base (Magneto γ, DeepNorm β):
  // multiplies the std (or the uniform bound). 1 = none.
  double gain = 1.0;
  InitBase base = InitBase::param;
};

class Parameterization {
 public:
  virtual ~Parameterization() = default;
  virtual std::string name() const = 0;
  // Standard deviation of the normal init (0 = zeros; norm gains are ones regardless).
  virtual double init_std(const InitRequest& r) const = 0;
  virtual double lr_mult(const InitRequest& r) const = 0;
  virtual double wd_mult(const InitRequest& r) const = 0;
  virtual double eps_mult(const InitRequest& r) const = 0;
  // Multiplies every residual branch's output before it is added to the stream.
  virtual double residual_mult() const = 0;
  // Multiplies the logits.
  virtual double output_mult() const = 0;
  // Multiplies the embedding output.
  virtual double input_mult() const = 0;
  // Attention logit scale for a head of width d_head.
  virtual double attn_scale(int64_t d_head) const = 0;
};

struct StandardParamOptions {
  double init_std = 0.02;
  bool scale_residual_init = true;  // GPT-2: residual output projections × 1/√(2L)
};

std::shared_ptr<Parameterization> make_standard_parameterization(const ModelShape& shape,
                                                                 const StandardParamOptions& opts = {});

// A tensor initialised as the request says: norm gains are ones; otherwise the
// base distribution (by default the parameterization's N(0, std²)) times gain.
Tensor init_parameter(const Parameterization& p, const InitRequest& r, const Shape& shape, Generator& gen);

}  // namespace weft
