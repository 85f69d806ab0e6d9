// End-to-end MEGABYTE: a tiny byte model with T % P != 0 trains from the CLI,
// `--until 20` + resume equals 40 straight steps bit for bit (LayerDrop in both
// stacks), eval gives bits per byte, inspect shows both stacks and the FLOPs per
// byte, generate decodes patch by patch exactly as the recomputing decoder.
#include <cmath>

#include "e2e_util.h"

using namespace weft::e2e;

namespace {

const char* kRecipe = R"(seed: 3
model:
  type: megabyte
  patch: 4
  seq_len: 30
  global: { d_model: 32, n_layers: 2, n_heads: 2, block: { type: pre_ln, dropout: 0.1, layerdrop: 0.2 } }
  local: { d_model: 16, n_layers: 2, n_heads: 2, block: { type: pre_ln, dropout: 0.1, layerdrop: 0.2 } }
optim: { type: adamw, lr: 3.0e-3 }
schedule: { type: cosine, warmup: 5 }
data: { type: bytes, path: data/tiny.txt, val_fraction: 0.1 }
train: { steps: 40, batch: 4, log_every: 1, eval_every: 10, eval_batches: 4, ckpt_every: 10, keep: 2 }
)";

}  // namespace

TEST_SUITE("e2e_megabyte") {
  TEST_CASE("megabyte: trains, resumes bit for bit, evaluates, inspects and generates") {
    Scratch s("megabyte");
    write_file(s.dir / "recipes/tiny.yaml", kRecipe);  // check_resume_exact trains recipes/tiny.yaml
    const auto losses = check_resume_exact(s.dir);
    CHECK(losses.back() < losses.front() - 0.5);

    Result e = run("eval runs/straight --json", s.dir);
    INFO(e.out);
    REQUIRE(e.code == 0);
    const auto ej = nlohmann::json::parse(e.out);
    CHECK(ej["loss"].get<double>() < 5.0);
    Result st = run("eval runs/straight --json --set eval.text_lm.strided=true", s.dir);
    INFO(st.out);
    REQUIRE(st.code == 0);
    const auto sj = nlohmann::json::parse(st.out);
    CHECK(sj["bpb"].get<double>() != ej["bpb"].get<double>());
    CHECK(std::abs(sj["bpb"].get<double>() - ej["bpb"].get<double>()) < 0.5);

    Result insp = run("inspect runs/straight --json", s.dir);
    INFO(insp.out);
    REQUIRE(insp.code == 0);
    const auto ij = nlohmann::json::parse(insp.out);
    REQUIRE(ij["stacks"].size() == 2);
    CHECK(ij["stacks"][0]["name"] == "global");
    CHECK(ij["stacks"][1]["name"] == "local");
    CHECK(ij["flops_per_token"].get<double>() > 0);

    for (const char* sampling : {"--temperature 0", "--temperature 1 --top-k 5 --seed 2"}) {
      INFO(sampling);
      // Prompt of 5 bytes + 25: every logit sees at most the 30 bytes of context.
      const std::string args = std::string("generate runs/straight --prompt 'the q' --tokens 25 ") + sampling;
      Result cached = run(args, s.dir), recomputed = run(args + " --no-kv-cache", s.dir);
      INFO(cached.out << "\n---\n" << recomputed.out);
      REQUIRE(cached.code == 0);
      REQUIRE(recomputed.code == 0);
      CHECK(cached.out.size() >= 25);
      CHECK(cached.out == recomputed.out);
    }
    Result longer = run("generate runs/straight --prompt 'the ' --tokens 80 --temperature 0", s.dir);
    INFO(longer.out);
    CHECK(longer.code == 0);
  }

  TEST_CASE("megabyte: bad configurations are recipe errors naming the key") {
    Scratch s("megabyte_bad");
    write_file(s.dir / "recipes/mb.yaml", kRecipe);
    Result r = run("inspect recipes/mb.yaml --set model.patch=3", s.dir);
    CHECK(r.code == 2);
    CHECK(r.out.find("model.global.d_model") != std::string::npos);
    r = run("inspect recipes/mb.yaml --set model.patch=64", s.dir);
    CHECK(r.code == 2);
    CHECK(r.out.find("model.patch") != std::string::npos);
  }
}
