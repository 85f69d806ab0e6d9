// The text task: `data.type: bytes | chars` (a TextCorpus with its fixed split,
// random windows for training, every target once for evaluation) and the
// `text_lm` evaluator (mean next-token loss, perplexity, bits per byte).
#include <cmath>
#include <cstdio>

#include "weft/data/dataset.h"
#include "weft/data/eval_batches.h"
#include "weft/data/evaluator.h"
#include "weft/data/sampler.h"
#include "weft/data/text_dataset.h"
#include "weft/nn/language_model.h"
#include "weft/ops/ops.h"

namespace weft {

nlohmann::json text_data_description(const TextVocab& vocab) {
  return {{"type", vocab.kind()}, {"vocab", vocab.to_json()}, {"vocab_size", vocab.size()}};
}

namespace {

class TextEvalSource : public EvalSource {
 public:
  TextEvalSource(const TextCorpus& c, Split s, int64_t batch, int64_t context) : batches_(c, s, batch, context) {}
  int64_t size() const override { return batches_.size(); }
  Batch at(int64_t i) const override { return batches_[i]; }

 private:
  EvalBatches batches_;
};

class TextDataset : public Dataset {
 public:
  explicit TextDataset(TextCorpus c) : corpus_(std::move(c)) {}

  static Schema schema() {
    Schema s;
    s.add_string("path").required().help("corpus file or folder (relative to the working directory)");
    s.add_number("val_fraction", 0.05).range(0.0, 0.5).help("last part of the corpus held out for validation");
    s.add_number("test_fraction", 0.0).range(0.0, 0.5).help("held out after the validation part");
    s.add_check([](const ResolvedView& v, Reporter& r) {
      if (v.get<double>("val_fraction") + v.get<double>("test_fraction") >= 0.9)
        r.error("val_fraction", "val_fraction + test_fraction leave less than 10% of the corpus for training");
    });
    return s;
  }
  static std::shared_ptr<Dataset> create(const ResolvedView& d) {
    return std::make_shared<TextDataset>(TextCorpus::load(d.get<std::string>("path"), d.get<std::string>("type"),
                                                          d.get<double>("val_fraction"),
                                                          d.get<double>("test_fraction")));
  }

  nlohmann::json description() const override { return text_data_description(corpus_.vocab()); }
  std::string summary() const override {
    return std::to_string(corpus_.total_tokens()) + " tokens of " + corpus_.kind() + " data";
  }
  std::string evaluator() const override { return "text_lm"; }
  std::unique_ptr<Sampler> train_sampler(int64_t batch, int64_t context, uint64_t seed) const override {
    return std::make_unique<BatchSampler>(corpus_, Split::train, batch, context, seed);
  }
  std::unique_ptr<EvalSource> eval_source(Split split, int64_t batch, int64_t context) const override {
    return std::make_unique<TextEvalSource>(corpus_, split, batch, context);
  }
  void check_usable(int64_t, int64_t context) const override {
    corpus_.require_split_length(Split::train, context);
    // Evaluation reads windows of any length >= 1: one token and its target at least.
    corpus_.require_split_length(Split::val, 1, "evaluation");
  }
  const TextCorpus& corpus() const { return corpus_; }

 private:
  TextCorpus corpus_;
};

// bytes: the vocabulary is fixed, so the description needs no data.
class ByteCorpusDataset : public TextDataset {
 public:
  using TextDataset::TextDataset;
  static std::optional<nlohmann::json> describe(const ResolvedView&) { return text_data_description(TextVocab::bytes()); }
};

class CharCorpusDataset : public TextDataset {
 public:
  using TextDataset::TextDataset;
};

// Mean next-token cross-entropy over every target of a split (or its first
// max_batches batches), weighted by targets; ppl = e^loss; for byte data also
// bits per byte = loss / ln 2.
class TextLMEvaluator : public Evaluator {
 public:
  static Schema schema() {
    Schema s;
    s.add_bool("strided", false)
        .help("score with the model's strided inference (megabyte: two passes offset by half a patch)");
    return s;
  }
  explicit TextLMEvaluator(const ResolvedView& o) : strided_(o.get_or<bool>("strided", false)) {}

  EvalReport evaluate(Model& model, const Dataset& data, const EvalRequest& req) override {
    EvalModeScope scope(model);
    auto* lm = dynamic_cast<LanguageModel*>(&model);
    if (strided_ && !(lm && lm->has_strided_inference()))
      throw ConfigError("eval.text_lm.strided: this model type has no strided inference (set it to false)");
    auto source = data.eval_source(req.split, req.batch, model.context_length());
    const int64_t n = req.max_batches > 0 ? std::min(req.max_batches, source->size()) : source->size();
    double total = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < n; ++i) {
      Batch b = source->at(i).to(model.device());
      Tensor loss = strided_ ? softmax_cross_entropy(lm->strided_forward(b.at("ids")), b.at("targets"))
                             : model.loss(b);
      total += loss.item() * static_cast<double>(b.units);
      count += b.units;
    }
    const double loss = count ? total / static_cast<double>(count) : 0.0;
    EvalReport r;
    r.units = count;
    r.unit = "tokens";
    r.metrics = {{"loss", loss}, {"ppl", std::exp(loss)}};
    char line[96];
    std::snprintf(line, sizeof line, "loss %.4f, ppl %.2f", loss, std::exp(loss));
    r.text = line;
    r.primary = "loss";
    if (data.description().value("type", "") == "bytes") {
      const double bpb = loss / std::log(2.0);
      r.metrics["bpb"] = bpb;
      r.primary = "bpb";
      std::snprintf(line, sizeof line, ", %.4f bits/byte", bpb);
      r.text += line;
    }
    if (strided_) r.text += " (strided)";
    return r;
  }

 private:
  bool strided_ = false;
};

}  // namespace

WEFT_REGISTER_DATASET("bytes", ByteCorpusDataset, "text as bytes (vocabulary 256) from a file or a folder");
WEFT_REGISTER_DATASET("chars", CharCorpusDataset,
                      "text as UTF-8 characters (the corpus' distinct code points, stored in each checkpoint)");
WEFT_REGISTER_EVALUATOR("text_lm", TextLMEvaluator,
                        "next-token loss, perplexity and (byte data) bits per byte over a whole split");

}  // namespace weft
