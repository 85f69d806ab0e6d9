// A user-defined block in its own file, linked into weft without changing
// weft's sources (README "Adding a layer"; CMake: WEFT_EXTRA_SOURCES, or the
// weft_ext target that builds this file for the tests).
//
// ReZero (Bachlechner et al. 2020, "ReZero is All You Need"): no norms, and each
// residual branch is scaled by one trainable scalar initialised to 0, so every
// block starts as the identity:  h = x + a·r·Attn(x),  y = h + a·r·MLP(h).
// (r = the parameterization's residual multiplier, which every block applies.)
#include "weft/nn/attention_registry.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/registry.h"
#include "weft/ops/ops.h"

namespace {

class ReZeroBlock : public weft::Block {
 public:
  // The options a recipe may give under `block:`; the validator, `weft layers`
  // and create() all read this schema.
  static weft::Schema schema() {
    weft::Schema s;
    s.add_number("ffn_mult", 4.0).min(0.0, true).max(64).help("MLP hidden width as a multiple of d_model");
    s.add_number("alpha_init", 0.0).range(-10.0, 10.0).help("initial value of the residual gain");
    weft::add_attention_option(s);  // `attn: {type: ...}`, like every block
    weft::add_layerdrop_option(s);  // `layerdrop: p`, applied by the model
    return s;
  }

  static std::shared_ptr<weft::Block> create(const weft::LayerArgs& a) {
    return std::make_shared<ReZeroBlock>(a.ctx, a.options.get<double>("ffn_mult"), a.options.get<double>("alpha_init"),
                                         a.options.at("attn"));
  }

  ReZeroBlock(const weft::BlockContext& ctx, double ffn_mult, double alpha_init, const weft::ResolvedView& attn)
      : residual_mult_(ctx.param->residual_mult()) {
    weft::AttentionContext ac;
    ac.block = ctx;
    attn_ = register_module("attn", weft::build_attention(attn, ac));
    weft::MLPOptions mo;
    mo.ffn_mult = ffn_mult;
    mlp_ = register_module(
        "mlp", std::make_shared<weft::MLP>(ctx.shape.width, mo, *ctx.param, *ctx.init_gen, ctx.dropout_gen));
    // A trainable scalar: role `gain` (no weight decay, see the optimizer's groups).
    alpha_ = &register_parameter("alpha", weft::Tensor::full({1}, alpha_init), weft::ParamRole::gain);
  }

  weft::Tensor forward(const weft::Tensor& x) override {
    auto branch = [&](const weft::Tensor& f) {
      return weft::mul(weft::scale_branch(f, residual_mult_), alpha_->tensor);
    };
    weft::Tensor h = weft::add(x, branch(attn_->forward(x)));
    return weft::add(h, branch(mlp_->forward(h)));
  }

 private:
  std::shared_ptr<weft::Attention> attn_;
  std::shared_ptr<weft::MLP> mlp_;
  weft::Parameter* alpha_ = nullptr;
  double residual_mult_;
};

}  // namespace

// The one line that makes `block: {type: rezero}` valid in any recipe.
WEFT_REGISTER_LAYER(block, "rezero", ReZeroBlock,
                    "ReZero: x + alpha*F(x) with a trainable alpha starting at 0, no norms");
