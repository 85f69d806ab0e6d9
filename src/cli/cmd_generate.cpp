// weft generate RUN_DIR|CHECKPOINT [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--seed S]
// [--no-kv-cache]
#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

#include "commands.h"
#include "weft/autograd/grad_mode.h"
#include "weft/checkpoint/checkpoint.h"
#include "weft/data/vocabulary.h"
#include "weft/nn/decoding.h"
#include "weft/nn/language_model.h"
#include "weft/ops/ops.h"
#include "weft/train/recipe_schema.h"
#include "weft/train/session.h"

namespace weft::cli {

namespace {

// Draws the next token from logits with temperature and top-k, using the
// counter-based RNG so a seed reproduces the sample.
int64_t sample_token(const std::vector<float>& logits, double temperature, int64_t top_k, Generator& gen) {
  const int64_t V = static_cast<int64_t>(logits.size());
  if (temperature <= 0) return std::max_element(logits.begin(), logits.end()) - logits.begin();
  std::vector<int64_t> idx(static_cast<size_t>(V));
  std::iota(idx.begin(), idx.end(), 0);
  const int64_t k = top_k > 0 ? std::min(top_k, V) : V;
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::vector<double> p(static_cast<size_t>(k));
  const double m = logits[idx[0]];
  double z = 0;
  for (int64_t i = 0; i < k; ++i) z += p[i] = std::exp((logits[idx[i]] - m) / temperature);
  const double u = philox_uniform(gen.draw(1), 0) * z;
  double acc = 0;
  for (int64_t i = 0; i < k; ++i) {
    acc += p[i];
    if (u <= acc) return idx[i];
  }
  return idx[k - 1];
}

}  // namespace

Runner add_generate(CLI::App& app) {
  auto* cmd = app.add_subcommand("generate", "Sample text from a checkpoint");
  struct Opts {
    std::string path, prompt, from, device;
    int64_t tokens = 200, top_k = 0;
    double temperature = 0.8;
    uint64_t seed = 1;
    bool no_kv_cache = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("path", o->path, "run folder (uses checkpoints/LATEST) or a checkpoint folder")->required();
  cmd->add_option("--prompt", o->prompt, "text to continue (default: a newline)");
  cmd->add_option("--tokens", o->tokens, "tokens to generate")->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--temperature", o->temperature, "sampling temperature (0 = greedy)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--top-k", o->top_k, "sample among the k most likely tokens (0 = all)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 30));
  cmd->add_option("--seed", o->seed, "sampling seed");
  cmd->add_option("--from", o->from, "checkpoint folder name inside the run (default: LATEST)");
  cmd->add_option("--device", o->device, "cpu | cuda | emu: generate on this device instead of the recipe's");
  cmd->add_flag("--no-kv-cache", o->no_kv_cache,
                "recompute the whole window for every token instead of decoding incrementally. gpt caches keys "
                "and values per layer; when the context is full the cache restarts from the last seq_len/2 "
                "tokens (learned positions cannot slide), where recomputing slides the window by one token, so "
                "the two differ only once the text outgrows the context. Blocks or attention types marked "
                "[recomputes when generating] in `weft layers` always recompute");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    const auto step_dir = resolve_checkpoint(o->path, o->from);
    std::vector<std::string> sets;
    if (!o->device.empty()) sets.push_back("device=" + o->device);
    Recipe recipe = load_and_validate_recipe(run_dir_of(step_dir) / "recipe.yaml", sets);
    Session session = session_from_checkpoint(step_dir, recipe);
    auto* lm = dynamic_cast<LanguageModel*>(session.model.get());
    if (lm == nullptr)
      throw ConfigError("model.type '" + recipe.get<std::string>("model.type") +
                        "' does not generate text (weft generate needs a language model)");
    WEFT_CHECK(session.data_description.contains("vocab"), ConfigError,
               "weft generate needs a vocabulary, which data.type '", recipe.get<std::string>("data.type"),
               "' does not provide");
    const TextVocab vocab = TextVocab::from_json(session.data_description["vocab"]);
    NoGradGuard no_grad;
    lm->eval();
    std::vector<int64_t> ids = vocab.encode(o->prompt.empty() ? std::string("\n") : o->prompt);
    std::unique_ptr<TokenDecoder> decoder =
        o->no_kv_cache ? std::make_unique<RecomputingDecoder>(*lm) : lm->start_decoding();
    Generator gen(o->seed);
    std::cout << o->prompt << std::flush;
    Tensor logits = decoder->prefill(ids);
    for (int64_t i = 0; i < o->tokens; ++i) {
      const int64_t next = sample_token(logits.to_vector<float>(), o->temperature, o->top_k, gen);
      std::cout << vocab.decode({next}) << std::flush;
      if (i + 1 < o->tokens) logits = decoder->next(next);
    }
    std::cout << "\n";
    return 0;
  };
}

}  // namespace weft::cli
