// Checking that a block type applies the parameterization's residual multiplier
// (CompleteP's m_L^{−α}, the CompleteP paper) to every residual branch: build the
// same block (same init stream) under a parameterization that differs from SP
// only in residual_mult() and compare its forward with a reference the test
// writes from the block's own sub-modules.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <memory>

#include "weft/nn/block.h"

namespace weft::test {

// SP in everything but residual_mult().
class ResidualMultParam final : public Parameterization {
 public:
  ResidualMultParam(const ModelShape& shape, double r) : base_(make_standard_parameterization(shape)), r_(r) {}
  std::string name() const override { return "sp_residual_mult"; }
  double init_std(const InitRequest& q) const override { return base_->init_std(q); }
  double lr_mult(const InitRequest& q) const override { return base_->lr_mult(q); }
  double wd_mult(const InitRequest& q) const override { return base_->wd_mult(q); }
  double eps_mult(const InitRequest& q) const override { return base_->eps_mult(q); }
  double residual_mult() const override { return r_; }
  double output_mult() const override { return base_->output_mult(); }
  double input_mult() const override { return base_->input_mult(); }
  double attn_scale(int64_t d_head) const override { return base_->attn_scale(d_head); }

 private:
  std::shared_ptr<Parameterization> base_;
  double r_;
};

// A block built from `make(ctx)` under ResidualMultParam(r): width d, `depth`
// blocks in the model, `heads` heads, init seed `seed`. The block keeps a
// pointer to the parameterization, so the holder owns it.
struct BlockUnderTest {
  std::shared_ptr<Parameterization> param;
  std::unique_ptr<Generator> init_gen, dropout_gen;
  std::shared_ptr<Block> block;
};

inline BlockUnderTest build_block_with_residual_mult(
    const std::function<std::shared_ptr<Block>(const BlockContext&)>& make, double r, int64_t d, int64_t depth,
    int64_t heads, uint64_t seed) {
  BlockUnderTest b;
  const ModelShape shape{d, depth, d / heads};
  b.param = std::make_shared<ResidualMultParam>(shape, r);
  b.init_gen = std::make_unique<Generator>(seed);
  b.dropout_gen = std::make_unique<Generator>(seed + 1);
  BlockContext ctx;
  ctx.param = b.param.get();
  ctx.shape = shape;
  ctx.n_heads = heads;
  ctx.seq_len = 16;
  ctx.init_gen = b.init_gen.get();
  ctx.dropout_gen = b.dropout_gen.get();
  b.block = make(ctx);
  b.block->eval();
  return b;
}

}  // namespace weft::test
