// End-to-end offline RL: collect a dataset, train a Decision Transformer on it,
// --until + resume bit for bit, evaluate by rollout at chosen targets, inspect;
// and the CLI's answers to bad input.
#include <algorithm>

#include "e2e_util.h"

using namespace weft::e2e;

namespace {

const char* kRecipe = R"(seed: 2
model: { type: decision_transformer, context_K: 6, d_model: 16, n_layers: 2, n_heads: 2, embed_dropout: 0.1,
         block: { type: pre_ln, dropout: 0.1 } }
optim: { type: adamw, lr: 1.0e-3, weight_decay: 1.0e-4, clip: 0.25 }
schedule: { type: constant, warmup: 5 }
data: { type: trajectories, path: data/rl/c.safetensors, env: cartpole, return_scale: 100 }
train: { steps: 40, batch: 8, log_every: 1, eval_every: 20, eval_batches: 2, ckpt_every: 10, keep: 2 }
eval: { rollout: { targets: [500], episodes: 3, max_steps: 40 } }
)";

const char* kElasticRecipe = R"(seed: 3
model: { type: decision_transformer, context_K: 6, d_model: 16, n_layers: 2, n_heads: 2, embed_dropout: 0.1,
         block: { type: pre_ln, dropout: 0.1 }, elastic: { enabled: true, num_bins: 10 } }
optim: { type: adamw, lr: 1.0e-3, weight_decay: 1.0e-4, clip: 0.25 }
schedule: { type: constant, warmup: 5 }
data: { type: trajectories, path: data/rl/g.safetensors, env: gridmaze, return_scale: 1 }
train: { steps: 20, batch: 8, log_every: 1, eval_every: 10, eval_batches: 1, ckpt_every: 10, keep: 2 }
eval: { rollout: { episodes: 2 } }
)";

}  // namespace

TEST_SUITE("e2e_dt") {
  TEST_CASE("gridmaze stitch data, Elastic DT: train, --until + resume bit for bit, eval with per-episode lines, inspect") {
    Scratch s("edt");
    Result c = run("dataset collect gridmaze --policy stitch --episodes 10 --seed 2 --out data/rl/g.safetensors", s.dir);
    INFO(c.out);
    REQUIRE(c.code == 0);
    write_file(s.dir / "recipes/edt.yaml", kElasticRecipe);
    Result a = run("train recipes/edt.yaml --run-dir runs/straight", s.dir);
    INFO(a.out);
    REQUIRE(a.code == 0);
    REQUIRE(run("train recipes/edt.yaml --run-dir runs/split --until 10", s.dir).code == 0);
    REQUIRE(run("resume runs/split", s.dir).code == 0);
    auto la = train_losses(s.dir / "runs/straight"), lb = train_losses(s.dir / "runs/split");
    REQUIRE(la.size() == 20);
    REQUIRE(lb.size() == 20);
    for (size_t i = 0; i < la.size(); ++i) CHECK(la[i] == lb[i]);
    CHECK(final_weights(s.dir / "runs/straight") == final_weights(s.dir / "runs/split"));
    Result e = run("eval runs/straight --json", s.dir);
    INFO(e.out);
    REQUIRE(e.code == 0);
    auto ej = nlohmann::json::parse(e.out);
    CHECK(ej["tokens"] == 2);
    REQUIRE(ej["targets"].size() == 1);  // Elastic DT conditions on its own estimate
    const std::string lines = read_file(s.dir / "runs/straight/eval.jsonl");
    CHECK(std::count(lines.begin(), lines.end(), '\n') == 2);
    auto first = nlohmann::json::parse(lines.substr(0, lines.find('\n')));
    CHECK(first["episode"] == 0);
    CHECK(first.contains("return"));
    CHECK(first["length"].get<int64_t>() >= 8);  // the shortest path to G
    Result in = run("inspect runs/straight --json", s.dir);
    CHECK(in.code == 0);
    CHECK(in.out.find("expectile_head") != std::string::npos);
    CHECK(in.out.find("return_bin_head") != std::string::npos);
  }

  TEST_CASE("collect, train, --until + resume bit for bit, eval by rollout, inspect") {
    Scratch s("dt");
    Result c = run("dataset collect cartpole --policy medium-replay --episodes 12 --seed 4 --out data/rl/c.safetensors",
                   s.dir);
    INFO(c.out);
    REQUIRE(c.code == 0);
    CHECK(c.out.find("12 episodes of cartpole") != std::string::npos);
    Result info = run("dataset info data/rl/c.safetensors", s.dir);
    CHECK(info.code == 0);
    CHECK(info.out.find("ref_expert_return: 500") != std::string::npos);
    write_file(s.dir / "recipes/dt.yaml", kRecipe);

    Result a = run("train recipes/dt.yaml --run-dir runs/straight", s.dir);
    INFO(a.out);
    REQUIRE(a.code == 0);
    Result b1 = run("train recipes/dt.yaml --run-dir runs/split --until 20", s.dir);
    INFO(b1.out);
    REQUIRE(b1.code == 0);
    Result b2 = run("resume runs/split", s.dir);
    INFO(b2.out);
    REQUIRE(b2.code == 0);
    auto la = train_losses(s.dir / "runs/straight"), lb = train_losses(s.dir / "runs/split");
    REQUIRE(la.size() == 40);
    REQUIRE(lb.size() == 40);
    for (size_t i = 0; i < la.size(); ++i) {
      INFO("step " << i + 1);
      CHECK(la[i] == lb[i]);
    }
    CHECK(final_weights(s.dir / "runs/straight") == final_weights(s.dir / "runs/split"));
    // The trainer's evals are rollouts: metrics.jsonl shows the return.
    const std::string metrics = read_file(s.dir / "runs/straight/metrics.jsonl");
    CHECK(metrics.find("\"kind\":\"eval\"") != std::string::npos);
    CHECK(metrics.find("\"return\":") != std::string::npos);
    CHECK(metrics.find("\"score\":") != std::string::npos);

    Result e = run("eval runs/straight --json --set 'eval.rollout.targets=[500,100]'", s.dir);
    INFO(e.out);
    REQUIRE(e.code == 0);
    auto ej = nlohmann::json::parse(read_file(s.dir / "runs/straight/eval.json"));
    CHECK(ej["primary"] == "return");
    CHECK(ej["higher_is_better"] == true);
    REQUIRE(ej["targets"].size() == 2);
    CHECK(ej["targets"][1]["target"] == 100.0);
    CHECK(ej["tokens"] == 6);  // episodes scored
    const std::string episodes = read_file(s.dir / "runs/straight/eval.jsonl");  // one line per episode
    CHECK(std::count(episodes.begin(), episodes.end(), '\n') == 6);
    const double ret = ej["return"].get<double>();
    CHECK(ret >= 1);
    CHECK(ret <= 40);
    CHECK(std::abs(ej["score"].get<double>() - 100 * (ret - 0) / 500) < 100);
    // Deterministic.
    Result e2 = run("eval runs/straight --json --set 'eval.rollout.targets=[500,100]'", s.dir);
    CHECK(nlohmann::json::parse(e2.out)["return"] == nlohmann::json::parse(e.out)["return"]);

    Result in = run("inspect runs/straight --json", s.dir);
    INFO(in.out);
    CHECK(in.code == 0);
    CHECK(in.out.find("state_emb") != std::string::npos);
  }

  TEST_CASE("bad input: exit 2 for an unknown environment or policy, 3 for bad data") {
    Scratch s("dt_bad");
    Result u = run("dataset collect mountaincar --out data/x.safetensors", s.dir);
    CHECK(u.code == 2);
    CHECK(u.out.find("unknown environment 'mountaincar'") != std::string::npos);
    Result p = run("dataset collect cartpole --policy great --out data/x.safetensors", s.dir);
    CHECK(p.code == 2);
    write_file(s.dir / "recipes/dt.yaml", kRecipe);
    Result missing = run("train recipes/dt.yaml --run-dir runs/m", s.dir);
    CHECK(missing.code == 3);
    CHECK(missing.out.find("no such dataset file") != std::string::npos);
    REQUIRE(run("dataset collect pendulum --policy random --episodes 2 --out data/rl/c.safetensors", s.dir).code == 0);
    Result wrong = run("train recipes/dt.yaml --run-dir runs/w", s.dir);  // the recipe says cartpole
    CHECK(wrong.code == 3);
    CHECK(wrong.out.find("was collected in 'pendulum'") != std::string::npos);
  }
}
