// End-to-end: `weft generate` with the KV cache gives the same text as
// `--no-kv-cache` (recomputing the window) while the text fits in the context;
// `weft layers` marks the types that always recompute.
#include "e2e_util.h"

using namespace weft::e2e;

TEST_SUITE("e2e_generate") {
  TEST_CASE("generate: the KV cache and --no-kv-cache give the same text while it fits in the context") {
    Scratch s("generate");
    Result r = run("train recipes/tiny.yaml --run-dir runs/a --set train.steps=10", s.dir);
    INFO(r.out);
    REQUIRE(r.code == 0);
    // seq_len 32, prompt of 4 bytes: the logits of the first 29 tokens see at most 32 positions.
    for (const char* sampling : {"--temperature 0", "--temperature 0.8 --seed 5", "--temperature 1 --top-k 5 --seed 2"}) {
      INFO(sampling);
      const std::string args = std::string("generate runs/a --prompt 'the ' --tokens 29 ") + sampling;
      Result cached = run(args, s.dir), recomputed = run(args + " --no-kv-cache", s.dir);
      INFO(cached.out << "\n---\n" << recomputed.out);
      REQUIRE(cached.code == 0);
      REQUIRE(recomputed.code == 0);
      CHECK(cached.out.size() >= 29);
      CHECK(cached.out == recomputed.out);
    }
    // Past the context both run (the cache restarts, recomputing slides).
    Result longer = run("generate runs/a --prompt 'the ' --tokens 100 --temperature 0", s.dir);
    INFO(longer.out);
    CHECK(longer.code == 0);
    CHECK(longer.out.size() >= 100);
  }

  TEST_CASE("layers marks the types that recompute when generating") {
    Scratch s("layers_kv");
    Result r = run("layers", s.dir);
    REQUIRE(r.code == 0);
    auto line_of = [&](const std::string& start) {
      const size_t at = r.out.find("\n  " + start);
      REQUIRE(at != std::string::npos);
      return r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    };
    CHECK(line_of("softmax:").find("[recomputes when generating]") == std::string::npos);
    CHECK(line_of("cat_causal").find("[recomputes when generating]") != std::string::npos);
    CHECK(line_of("sas:").find("recomputes when generating") != std::string::npos);
    CHECK(line_of("sas_p:").find("recomputes when generating") != std::string::npos);
    CHECK(line_of("pre_ln:").find("recomputes") == std::string::npos);
  }
}
