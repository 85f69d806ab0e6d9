// The parameterization through the CLI: `weft inspect --json` reports each
// parameter's group, init std and multipliers from the recipe alone, and a
// CompleteP run resumes bit for bit (the multipliers come from the recipe, not
// from the checkpoint).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "../e2e/e2e_util.h"

using namespace weft::e2e;

TEST_SUITE("param") {
  TEST_CASE("weft inspect --json: group, init_std, lr/wd/eps multipliers and the model multipliers") {
    Scratch s("param_inspect");
    // tiny.yaml: d_model 32, 2 layers → m_N = 32/8 = 4, m_L = 2/1 = 2, α = ½
    Result r =
        run("inspect recipes/tiny.yaml --json --set param.type=completep --set param.base_width=8 "
            "--set param.base_depth=1 --set param.alpha=0.5 --set param.init_std=0.04",
            s.dir);
    INFO(r.out);
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.out);
    const double s2 = std::sqrt(2.0);
    CHECK(j["param_type"] == "completep");
    CHECK(j["residual_mult"].get<double>() == doctest::Approx(1 / s2));
    CHECK(j["output_mult"].get<double>() == doctest::Approx(0.25));
    std::map<std::string, nlohmann::json> by_name;
    for (auto& p : j["params"]) {
      for (const char* k : {"name", "shape", "group", "init_std", "lr_mult", "wd_mult", "eps_mult"})
        CHECK(p.contains(k));
      by_name[p["name"].get<std::string>()] = p;
    }
    auto expect = [&](const std::string& name, const char* group, double init_std, double lr, double wd, double eps) {
      CAPTURE(name);
      REQUIRE(by_name.count(name));
      const auto& p = by_name[name];
      CHECK(p["group"] == group);
      CHECK(p["init_std"].get<double>() == doctest::Approx(init_std));
      CHECK(p["lr_mult"].get<double>() == doctest::Approx(lr));
      CHECK(p["wd_mult"].get<double>() == doctest::Approx(wd));
      CHECK(p["eps_mult"].get<double>() == doctest::Approx(eps));
    };
    const double eps_in = 1.0 / (4 * s2);
    expect("tok_emb.weight", "embedding", 0.04, 1, 1, 0.25);
    expect("blocks.1.attn.qkv.weight", "hidden_weight", 0.02, 0.25 / s2, 4, eps_in);
    expect("blocks.1.mlp.fc.bias", "hidden_bias", 0, 1 / s2, 0, eps_in);
    expect("blocks.0.ln1.weight", "block_norm", 0, 1 / s2, 0, eps_in);
    expect("ln_f.weight", "final_norm", 0, 1, 0, 0.25);
    CHECK(by_name["blocks.0.ln1.weight"]["shape"] == nlohmann::json::array({32}));

    Result text = run("inspect recipes/tiny.yaml --set param.type=mup --set param.base_width=16", s.dir);
    INFO(text.out);
    CHECK(text.code == 0);
    CHECK(text.out.find("parameterization mup: residual_mult 1, output_mult 0.5") != std::string::npos);
  }

  TEST_CASE("a completep run: 20 straight steps equal --until 10 then resume, bit for bit") {
    Scratch s("param_resume");
    const std::string sets =
        " --set param.type=completep --set param.base_width=16 --set param.base_depth=1"
        " --set train.steps=20 --set train.ckpt_every=10 --set train.eval_every=0";
    Result a = run("train recipes/tiny.yaml --run-dir runs/a" + sets, s.dir);
    INFO(a.out);
    REQUIRE(a.code == 0);
    Result b1 = run("train recipes/tiny.yaml --run-dir runs/b --until 10" + sets, s.dir);
    INFO(b1.out);
    REQUIRE(b1.code == 0);
    Result b2 = run("resume runs/b", s.dir);
    INFO(b2.out);
    REQUIRE(b2.code == 0);
    const auto weights = [&](const char* run_name) {
      return read_file(s.dir / "runs" / run_name / "checkpoints/step_00000020/model.safetensors");
    };
    CHECK(!weights("a").empty());
    CHECK(weights("a") == weights("b"));
  }

  TEST_CASE("weft train --activations writes mean |activation| per step for the embedding, each block, the logits") {
    Scratch s("param_activations");
    Result r =
        run("train recipes/tiny.yaml --run-dir runs/c --activations act.jsonl --set train.steps=6"
            " --set train.eval_every=0 --set param.type=completep --set param.base_width=32"
            " --set param.base_depth=1",
            s.dir);
    INFO(r.out);
    REQUIRE(r.code == 0);
    std::istringstream lines(read_file(s.dir / "act.jsonl"));
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line);
      CHECK(j["step"] == ++n);
      for (const char* k : {"embed", "blocks.0", "blocks.1", "logits"}) {
        CAPTURE(k);
        REQUIRE(j.contains(k));
        CHECK(j[k].get<double>() > 0);
      }
      CHECK(j.size() == 5);
    }
    CHECK(n == 6);
    CHECK(run("train recipes/tiny.yaml --run-dir runs/d --activations no/such/dir/a.jsonl", s.dir).code != 0);
  }
}
