// defines: LanguageModel — a Model over token ids that also serves the text
// tools (`weft generate`): logits, vocabulary size. Its batches are text
// batches (data/batch.h: "ids", "targets").
#pragma once

#include "weft/nn/model.h"

namespace weft {

class TokenDecoder;  // nn/decoding.h

class LanguageModel : public Model {
 public:
  // ids [B, T] (i64) → logits [B, T, vocab]
  virtual Tensor forward(const Tensor& ids) = 0;
  // Mean next-token cross-entropy of forward(x) against targets y ([B, T]).
  virtual Tensor loss(const Tensor& x, const Tensor& y) = 0;
  using Model::loss;
  virtual int64_t vocab_size() const = 0;
  // Training FLOPs per token (forward + backward).
  double flops_per_unit() const override { return flops_per_token(); }
  virtual double flops_per_token() const = 0;

  // Incremental generation (nn/decoding.h): a prompt, then a token at a time.
  // The default recomputes the full forward each step; a model with a cache
  // (gpt: keys and values per layer) overrides it. The model must outlive it.
  virtual std::unique_ptr<TokenDecoder> start_decoding();

  // Strided inference for scoring (`eval.text_lm.strided`; MEGABYTE: two passes
  // offset by half a patch, each position from the pass that puts it in the
  // first half of its patch): logits like forward()'s. The default refuses
  // with a ConfigError; a model type that has one overrides both.
  virtual bool has_strided_inference() const { return false; }
  virtual Tensor strided_forward(const Tensor& ids);

 protected:
  Tensor compute_loss(const Batch& b) override { return loss(b.at("ids"), b.at("targets")); }
};

// The language model a validated recipe describes, for data with a vocabulary
// of `vocab` tokens (tests and tools that have no dataset); ConfigError when
// the recipe's model type is not a language model.
std::shared_ptr<LanguageModel> build_language_model(const ResolvedView& recipe, int64_t vocab);

}  // namespace weft
