// defines: LayerNorm, RMSNorm modules over the last dim.
#pragma once

#include "weft/nn/module.h"

namespace weft {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t dim, bool bias = true, double eps = 1e-5);
  Tensor forward(const Tensor& x) const;

 private:
  Parameter* weight_ = nullptr;
  Parameter* bias_ = nullptr;
  double eps_;
};

// Where RMSNorm adds its ε: inside the root, x / sqrt(mean(x²) + ε) (the fused
// rms_norm op; LLaMA, T5), or outside, x / (sqrt(mean(x²)) + ε) (He & Hofmann's
// simplified blocks, the SAS paper; composed from ops — its gradient is undefined
// for an all-zero row, which a trained stream never holds).
enum class RmsEps : uint8_t { inside_root, outside_root };

class RMSNorm : public Module {
 public:
  explicit RMSNorm(int64_t dim, double eps = 1e-6, RmsEps placement = RmsEps::inside_root);
  Tensor forward(const Tensor& x) const;

 private:
  Parameter* weight_ = nullptr;
  double eps_;
  RmsEps placement_;
};

}  // namespace weft
