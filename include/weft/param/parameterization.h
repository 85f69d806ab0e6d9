// defines: ModelShape, InitBase, InitRequest, ParamGroup, Parameterization,
// make_standard_parameterization, init_std_of, init_parameter — per-parameter
// init std and optimizer multipliers, and the model-level residual / output /
// input multipliers and attention scale (the README's architecture map "param").
//
// Layers never hard-code an init std: they ask the model's Parameterization,
// naming the parameter's role and fans. One implementation, CompleteP's table
// (Dey et al. 2025, the CompleteP paper; complete_p.h), serves the three `param.type`s:
//   sp        m_N = m_L = 1: GPT-2's N(0, init_std²) for matrices and embeddings,
//             residual output projections × 1/√(2·n_layers); every multiplier 1.
//   mup       µP: the table with m_L = 1.
//   completep the table with depth exponent α.
// The optimizer multipliers are written into each Parameter once, after the
// model is built (param/multipliers.h); the optimizers read them at every step.
//
// Composition with a block type's init gain (Magneto γ, the Magneto paper; DeepNorm
// β, §2): the block passes it as InitRequest::gain, which multiplies whatever
// the base distribution gives.
//   - base = param: std = gain × init_std(request). Under µP/CompleteP the hidden
//     std σ_base/√m_N is scaled by γ or β; the table's width scaling is kept and
//     the block's (depth-dependent) gain sits on top.
//   - base = xavier_normal / torch_default (those papers' reference inits, the
//     blocks' default): the std comes from the fans alone (2/(fan_in+fan_out),
//     1/fan_in) times the gain; σ_base and the 1/m_N init scaling are NOT used.
//     Such fan-based inits shrink with width like µP's hidden init does, but not
//     with the same constant, so set the block's base_init to `param` when the
//     init should follow the table.
//   In every case the lr / weight-decay / ε multipliers, the residual multiplier
//   m_L^{−α} and the logit multiplier still apply. DeepNorm's β (∝ L^{−1/4}) and
//   Magneto's γ (∝ √log L) are themselves depth corrections: combined with
//   CompleteP's m_L^{−α} branch scaling the depth is corrected twice, so the
//   optimum no longer transfers across depth by construction (the CompleteP paper
//   pitfalls); weft allows it but does not claim transfer for it.
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
// code uses ("Xavier-normal(g)", "torch-default Linear").
enum class InitBase : uint8_t {
  param,          // N(0, std²), std from the Parameterization
  xavier_normal,  // N(0, 2/(fan_in+fan_out))
  torch_default,  // U(−1/√fan_in, +1/√fan_in) (weights and biases)
};

// What a parameter is, for the parameterization: its init and its multipliers.
struct InitRequest {
  ParamRole role;
  int64_t fan_in = 0;
  int64_t fan_out = 0;
  bool residual_output = false;  // the last projection of a residual branch
  // A block type's init gain on top of the base (Magneto γ, DeepNorm β):
  // multiplies the std (or the uniform bound). 1 = none.
  double gain = 1.0;
  InitBase base = InitBase::param;
  // A norm or gain outside every block (the final LN): the CompleteP table gives
  // it η_base, while norms inside blocks get η_base·m_L^{α−1}.
  bool outside_blocks = false;
};

// The rows of the CompleteP table (the CompleteP paper) a parameter falls in.
enum class ParamGroup : uint8_t {
  embedding,      // token/position embeddings (a tied head is the embedding)
  block_norm,     // norm gains/biases and other gains inside blocks
  hidden_weight,  // matrices (q, k, v, o, fc1, fc2, ...)
  hidden_bias,    // their biases
  final_norm,     // norms and gains outside the blocks
  output,         // an untied unembedding
};
ParamGroup param_group(const InitRequest& r);
const char* group_name(ParamGroup g);  // "embedding", "block_norm", ...

class Parameterization {
 public:
  virtual ~Parameterization() = default;
  virtual std::string name() const = 0;
  // Standard deviation of the normal init (0 = zeros; norm gains are ones regardless).
  virtual double init_std(const InitRequest& r) const = 0;
  // Multipliers of the optimizer's lr, weight decay and AdamW ε for this parameter.
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

// `param.attn_scale`: 1/d_h (µP, Yang et al. 2021; the CompleteP reference code)
// or 1/√d_h (Vaswani et al. 2017).
enum class AttnScale : uint8_t { inv_dh, inv_sqrt_dh };
AttnScale parse_attn_scale(const std::string& s);  // "inv_dh" | "inv_sqrt_dh"; ValueError otherwise
double attn_scale_value(AttnScale s, int64_t d_head);

// The standard parameterization: CompleteP's table at m_N = m_L = 1 (so every
// multiplier is 1) plus GPT-2's residual init scaling. Defined in complete_p.cpp.
struct StandardParamOptions {
  double init_std = 0.02;
  bool scale_residual_init = true;  // GPT-2: residual output projections × 1/√(2L)
};

std::shared_ptr<Parameterization> make_standard_parameterization(const ModelShape& shape,
                                                                 const StandardParamOptions& opts = {});

// The std of the distribution init_parameter() draws from for this request
// (uniform: bound/√3; 0 for constants). Layers record it in Parameter::init_std.
double init_std_of(const Parameterization& p, const InitRequest& r);

// A tensor initialised as the request says: norm gains are ones; otherwise the
// base distribution (by default the parameterization's N(0, std²)) times gain.
Tensor init_parameter(const Parameterization& p, const InitRequest& r, const Shape& shape, Generator& gen);

}  // namespace weft
