// defines: CompletePOptions, make_complete_p_parameterization — the CompleteP
// table (Dey et al. 2025, "Don't be lazy", Table 1; the CompleteP paper), of which µP
// (m_L = 1) and SP (m_N = m_L = 1) are special cases.
//
// With m_N = width / base_width, m_L = depth / base_depth (depth in blocks):
//
//   group (param_group)  init std        lr mult                 wd mult  ε mult (eps_scaling)
//   embedding            σ               1                       1        1/m_N
//   block_norm           gains 1, bias 0 m_L^{α−1}               0        1/(m_N·m_L^α)
//   hidden_weight        σ/√m_N          m_N^{−1}·m_L^{α−1}      m_N      1/(m_N·m_L^α)
//   hidden_bias          0               m_L^{α−1}               0        1/(m_N·m_L^α)
//   final_norm           gains 1, bias 0 1                       0        1/m_N
//   output (untied)      σ               1                       1        1/m_N
//
//   residual branches ×m_L^{−α}; logits × output_mult/m_N; embedding output ×
//   input_mult; attention scale 1/d_h or 1/√d_h.
//
// Weight decay is the coupled AdamW form (decay = lr·lr_mult·wd·wd_mult·p,
// adamw.h), so hidden weights decay by η λ m_L^{α−1} per step at any width.
// The ε scaling follows the paper's Eq. 40 (and the reference code since its
// fix of that point): ε_base/(m_N·m_L^α) inside the residual blocks, ε_base/m_N
// for the embedding, the final norm and the head. ε has to shrink with the
// gradients it is added to, and in µP every gradient shrinks like 1/m_N; only
// the block groups sit behind the branch multiplier m_L^−α. At m_N = 1 (a
// depth-only sweep) the three outer groups keep ε_base. The optimizer's role mask (optimizer.h: embeddings, norms,
// biases and gains do not decay unless decay_all_roles) is applied on top of
// wd_mult; for the table's rows it only differs on the embedding (λ_base in the
// paper, 0 in weft by default), a factor that does not depend on m_N or m_L, so
// it leaves transfer across width and depth intact.
#pragma once

#include <string>

#include "weft/param/parameterization.h"

namespace weft {

struct CompletePOptions {
  std::string name = "completep";    // what name() reports: sp | mup | completep
  int64_t base_width = 256;          // N_base (the CompleteP paper reference: 256)
  int64_t base_depth = 2;            // L_base, in blocks (reference: 2)
  double alpha = 1.0;                // depth exponent α ∈ [½, 1]; 1 = CompleteP, ½ = depth-µP
  double init_std = 0.02;            // σ_base
  bool scale_residual_init = false;  // GPT-2's 1/√(2L) on residual output projections (SP only)
  double input_mult = 1.0;           // α_in
  double output_mult = 1.0;          // α_out
  AttnScale attn_scale = AttnScale::inv_dh;
  bool eps_scaling = true;
};

// SP as table options: base = the model's own shape (m_N = m_L = 1), GPT-2's
// residual init scaling as `o` says, 1/√d_h attention, no ε scaling.
CompletePOptions standard_options(const ModelShape& shape, const StandardParamOptions& o);

// Throws ValueError for non-positive bases, α outside [½, 1], or a non-positive
// init std or multiplier.
std::shared_ptr<Parameterization> make_complete_p_parameterization(const ModelShape& shape,
                                                                   const CompletePOptions& opts);

}  // namespace weft
