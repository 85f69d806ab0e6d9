// KV-cached decoding (nn/decoding.h, nn/kv_cache.h): for every block type with
// softmax attention, gpt's prefill + one-token-at-a-time logits equal the full
// forward's at every position (f64); types without a cache fall back to
// recomputing and still match; a planted wrong cache entry is caught; the
// restart of a full cache equals a full forward over the kept window.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "../support/block_fixture.h"
#include "../support/decoding_fixture.h"
#include "../support/test_util.h"
#include "weft/nn/attention_registry.h"
#include "weft/nn/decoding.h"
#include "weft/nn/kv_cache.h"
#include "weft/nn/language_model.h"

using namespace weft;
using namespace weft::test;

namespace {

std::shared_ptr<LanguageModel> small_gpt(const std::string& block, int64_t seq_len, bool f64 = true) {
  Recipe r = recipe_from_model("d_model: 16, n_heads: 2, n_layers: 3, seq_len: " + std::to_string(seq_len) +
                               ", block: {" + block + "}");
  auto m = build_language_model(r.view(), 256);
  to_f64_eval(*m, f64);
  return m;
}

Attention* only_attention(Module& m) {
  if (auto* a = dynamic_cast<Attention*>(&m)) return a;
  for (auto& [n, c] : m.children())
    if (Attention* a = only_attention(*c)) return a;
  return nullptr;
}

}  // namespace

TEST_SUITE("nn_kv_cache") {
  TEST_CASE("every softmax-attention block type decodes incrementally, equal to the full forward (f64)") {
    const char* blocks[] = {"type: pre_ln",  "type: post_ln", "type: deepnorm",
                            "type: magneto", "type: macaron", "type: macaron, norm: post"};
    for (const char* b : blocks) {
      INFO(b);
      auto m = small_gpt(b, 12);
      const auto ids = random_ids(12, 7);
      Tensor before = full_logits(*m, ids);
      for (int64_t prompt : {1, 5}) {
        INFO("prompt of " << prompt);
        auto dec = m->start_decoding();
        CHECK(dec->cached());
        check_incremental(*m, *dec, ids, prompt, 1e-10);
      }
      // Decoding leaves the normal forward untouched (the caches are detached).
      CHECK(bitwise_equal(full_logits(*m, ids), before));
    }
  }

  TEST_CASE("blocks and attention types without a cache recompute, and still match") {
    const char* blocks[] = {"type: sas", "type: sas_p", "type: pre_ln, attn: {type: cat_causal}"};
    for (const char* b : blocks) {
      INFO(b);
      auto m = small_gpt(b, 10, false);  // f32: some of their constants are f32 tensors
      auto dec = m->start_decoding();
      CHECK_FALSE(dec->cached());
      check_incremental(*m, *dec, random_ids(10, 3), 4, 1e-6);
    }
    CHECK(AttentionRegistry::instance().is_kv_cached("softmax"));
    CHECK_FALSE(AttentionRegistry::instance().is_kv_cached("cat_causal"));
  }

  TEST_CASE("attention with a cache: chunks after cached positions equal the full forward; a planted entry is caught") {
    auto b = build_block("type: pre_ln", 16, 2, 4, 1.0, 5);
    {
      NoGradGuard ng;
      for (auto& [name, p] : b->block->named_parameters()) p->tensor = p->tensor.to(DType::f64);
    }
    b->block->eval();
    Attention* attn = only_attention(*b->block);
    REQUIRE(attn != nullptr);
    REQUIRE(attn->supports_kv_cache());
    NoGradGuard ng;
    Tensor x = randn({1, 7, 16}, 9);
    Tensor full = b->block->forward(x);
    KVCache cache(7);
    attn->set_kv_cache(&cache);
    // 3 positions into an empty cache, then 3 at once (a causal mask inside the
    // chunk), then 1.
    Tensor y0 = b->block->forward(narrow(x, 1, 0, 3));
    Tensor y1 = b->block->forward(narrow(x, 1, 3, 3));
    Tensor y2 = b->block->forward(narrow(x, 1, 6, 1));
    CHECK(cache.length() == 7);
    const double err = rel_err(concat({y0, y1, y2}, 1), full);
    INFO("relative error " << err);
    CHECK(err <= 1e-12);
    // A full cache refuses more positions.
    CHECK_THROWS_AS(b->block->forward(narrow(x, 1, 6, 1)), ShapeError);

    // A wrong key at position 1 changes what later positions see.
    cache.reset();
    b->block->forward(narrow(x, 1, 0, 4));
    narrow(cache.key_buffer(), 2, 1, 1).fill_(3.0);
    Tensor planted = b->block->forward(narrow(x, 1, 4, 1));
    CHECK_FALSE(rel_err(planted, narrow(full, 1, 4, 1)) <= 1e-6);
    attn->set_kv_cache(nullptr);
    CHECK(bitwise_equal(b->block->forward(x), full));
  }

  TEST_CASE("a full cache restarts from the last seq_len/2 tokens: logits equal a full forward over that window") {
    const int64_t S = 8;
    auto m = small_gpt("type: pre_ln", S);
    const auto ids = random_ids(3 * S, 11);
    auto dec = m->start_decoding();
    REQUIRE(dec->cached());
    // The model's view after each token: the kept window, as the header states.
    std::vector<int64_t> window(ids.begin(), ids.begin() + S);
    Tensor got = dec->prefill(window);
    int restarts = 0;
    for (size_t t = static_cast<size_t>(S); t < ids.size(); ++t) {
      if (static_cast<int64_t>(window.size()) == S) {
        window.erase(window.begin(), window.end() - (S / 2 - 1));
        ++restarts;
      }
      window.push_back(ids[t]);
      got = dec->next(ids[t]);
      Tensor want = narrow(full_logits(*m, window), 0, static_cast<int64_t>(window.size()) - 1, 1);
      const double err = rel_err(got, want);
      INFO("token " << t << ", window " << window.size() << ": relative error " << err);
      CHECK(err <= 1e-10);
    }
    CHECK(restarts == 4);
    // A prompt longer than the context keeps its last seq_len tokens.
    auto dec2 = m->start_decoding();
    Tensor long_prompt = dec2->prefill(ids);
    const std::vector<int64_t> tail(ids.end() - S, ids.end());
    CHECK(rel_err(long_prompt, narrow(full_logits(*m, tail), 0, S - 1, 1)) <= 1e-10);
  }

  TEST_CASE("the recomputing decoder slides by one token past the context") {
    const int64_t S = 6;
    auto m = small_gpt("type: pre_ln", S);
    const auto ids = random_ids(15, 5);
    RecomputingDecoder dec(*m);
    Tensor got = dec.prefill({ids[0]});
    for (size_t t = 1; t < ids.size(); ++t) {
      got = dec.next(ids[t]);
      const size_t n = std::min<size_t>(static_cast<size_t>(S), t + 1);
      const std::vector<int64_t> w(ids.begin() + static_cast<std::ptrdiff_t>(t + 1 - n),
                                   ids.begin() + static_cast<std::ptrdiff_t>(t + 1));
      CHECK(bitwise_equal(got, reshape(narrow(full_logits(*m, w), 0, static_cast<int64_t>(n) - 1, 1), {-1})));
    }
  }

  TEST_CASE("decoding errors") {
    auto m = small_gpt("type: pre_ln", 8);
    auto dec = m->start_decoding();
    CHECK_THROWS_AS(dec->next(3), ValueError);     // before prefill
    CHECK_THROWS_AS(dec->prefill({}), ValueError);  // an empty prompt
    m->train();  // the cached path has no attention dropout: eval only
    CHECK_THROWS_AS(dec->prefill({1, 2}), ValueError);
    m->eval();
    CHECK_THROWS_AS(dec->next(3), ValueError);  // the failed prefill left nothing to continue
    CHECK(dec->prefill({1, 2}).shape() == Shape{256});
    CHECK_THROWS_AS(KVCache(0), ValueError);
  }
}
