// End-to-end: train, resume exactness, interruption, eval and generate through the CLI.
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "e2e_util.h"

using namespace weft::e2e;

TEST_SUITE("e2e_train") {
  TEST_CASE("train writes the run folder; eval and generate read it") {
    Scratch s("train");
    Result r = run("train recipes/tiny.yaml --run-dir runs/a", s.dir);
    INFO(r.out);
    REQUIRE(r.code == 0);
    const fs::path run_dir = s.dir / "runs/a";
    CHECK(fs::exists(run_dir / "recipe.yaml"));
    CHECK(fs::exists(run_dir / "loss.svg"));
    CHECK(read_file(run_dir / "checkpoints/LATEST").rfind("step_00000040", 0) == 0);
    // keep: 2 → only the two newest checkpoints remain.
    CHECK(fs::exists(run_dir / "checkpoints/step_00000030"));
    CHECK_FALSE(fs::exists(run_dir / "checkpoints/step_00000020"));
    // Every step appears once, with the documented fields.
    auto steps = train_steps(run_dir);
    REQUIRE(steps.size() == 40);
    for (int i = 0; i < 40; ++i) CHECK(steps[i] == i + 1);
    const std::string metrics = read_file(run_dir / "metrics.jsonl");
    auto first = nlohmann::json::parse(metrics.substr(0, metrics.find('\n')));
    for (const char* k : {"step", "kind", "loss", "lr", "grad_norm", "tokens", "tokens_per_s", "elapsed_s"})
      CHECK(first.contains(k));
    // The resolved recipe is itself a valid recipe.
    Result again = run("inspect runs/a/recipe.yaml --json", s.dir);
    INFO(again.out);
    CHECK(again.code == 0);
    // A second train into the same folder refuses instead of overwriting.
    Result dup = run("train recipes/tiny.yaml --run-dir runs/a", s.dir);
    CHECK(dup.code == 2);
    CHECK(dup.out.find("already holds a run") != std::string::npos);

    Result e = run("eval runs/a --json", s.dir);
    INFO(e.out);
    REQUIRE(e.code == 0);
    auto ej = nlohmann::json::parse(read_file(run_dir / "eval.json"));
    CHECK(ej["split"] == "val");
    CHECK(ej["step"] == 40);
    CHECK(ej["bpb"].get<double>() > 0);
    CHECK(ej["bpb"].get<double>() < 8);
    CHECK(ej["tokens"].get<int64_t>() > 0);
    // Deterministic: the same eval twice gives the same loss.
    Result e2 = run("eval runs/a --json", s.dir);
    CHECK(nlohmann::json::parse(e2.out)["loss"] == nlohmann::json::parse(e.out)["loss"]);
    CHECK(ej["primary"] == "bpb");
    CHECK(ej["higher_is_better"] == false);

    // A checkpoint from before data descriptions (state.json holds "vocab", not
    // "data"), and of format 1 (no checksum of state.json or recipe.yaml), still
    // loads: the same model, the same loss.
    fs::copy(run_dir, s.dir / "runs/legacy", fs::copy_options::recursive);
    const fs::path state_file = s.dir / "runs/legacy/checkpoints/step_00000040/state.json";
    auto state = nlohmann::json::parse(read_file(state_file));
    REQUIRE(state["data"]["vocab"] == nlohmann::json({{"kind", "bytes"}, {"size", 256}}));
    state["vocab"] = state["data"]["vocab"];
    state.erase("data");
    state["format"] = "weft-checkpoint-1";
    for (const char* k : {"state_xxh3", "recipe_file", "total_steps", "skipped_steps"}) state.erase(k);
    write_file(state_file, state.dump());
    Result legacy = run("eval runs/legacy --json", s.dir);
    INFO(legacy.out);
    REQUIRE(legacy.code == 0);
    CHECK(nlohmann::json::parse(legacy.out)["loss"] == nlohmann::json::parse(e.out)["loss"]);
    // Neither: refused, naming the missing entry.
    state.erase("vocab");
    write_file(state_file, state.dump());
    Result none = run("eval runs/legacy --json", s.dir);
    CHECK(none.code == 4);
    CHECK(none.out.find("no 'data' entry") != std::string::npos);

    Result g = run("generate runs/a --prompt 'the ' --tokens 20 --seed 5", s.dir);
    INFO(g.out);
    CHECK(g.code == 0);
    CHECK(g.out.size() >= 20);
    Result g2 = run("generate runs/a --prompt 'the ' --tokens 20 --seed 5", s.dir);
    CHECK(g2.out == g.out);
  }

  TEST_CASE("bench times training steps and reports throughput and MFU") {
    Scratch s("bench");
    Result r = run("bench recipes/tiny.yaml --steps 3 --warmup 1 --json", s.dir);
    INFO(r.out);
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.out);
    for (const char* k : {"tokens_per_s", "step_s", "flops_per_token", "achieved_gflops", "sgemm_peak_gflops", "mfu",
                          "peak_rss_mb", "params"})
      CHECK(j.contains(k));
    CHECK(j["tokens_per_s"].get<double>() > 0);
    CHECK(j["mfu"].get<double>() > 0);
    CHECK(j["step_s"]["min"].get<double>() <= j["step_s"]["median"].get<double>());
    CHECK_FALSE(fs::exists(s.dir / "runs"));  // bench writes no run folder
  }

  TEST_CASE("40 straight steps equal --until 20 then resume, bit for bit") {
    Scratch s("resume");
    check_resume_exact(s.dir);
    // Resuming a finished run does nothing and says so.
    Result done = run("resume runs/split", s.dir);
    CHECK(done.code == 0);
    CHECK(done.out.find("nothing to do") != std::string::npos);
  }

  TEST_CASE("SIGKILL at random moments, during training and during resume, then resume: same final weights") {
    Scratch s("kill");
    // 200 steps, so that the kills land during training.
    const std::string steps = " --set train.steps=200 --set train.log_every=5";
    Result ref = run("train recipes/tiny.yaml --run-dir runs/ref" + steps, s.dir);
    REQUIRE(ref.code == 0);
    const std::string cmd_train = "cd '" + s.dir.string() + "' && exec env OMP_NUM_THREADS=2 " +
                                  std::string(WEFT_BINARY) + " train recipes/tiny.yaml --run-dir runs/k" + steps +
                                  " >/dev/null 2>&1";
    const std::string cmd_resume = "cd '" + s.dir.string() + "' && exec env OMP_NUM_THREADS=2 " +
                                   std::string(WEFT_BINARY) + " resume runs/k >/dev/null 2>&1";
    auto kill_after = [](const std::string& cmd, int ms) {
      pid_t pid = fork();
      if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), (char*)nullptr);
        _exit(127);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      kill(pid, SIGKILL);
      int st = 0;
      waitpid(pid, &st, 0);
    };
    // Kill the first run part-way, then kill two resumes part-way.
    uint64_t x = 0x2545F4914F6CDD1Dull ^ static_cast<uint64_t>(getpid());
    auto rnd = [&](int lo, int hi) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      return lo + static_cast<int>(x % static_cast<uint64_t>(hi - lo));
    };
    kill_after(cmd_train, rnd(300, 900));
    for (int i = 0; i < 2; ++i)
      if (fs::exists(s.dir / "runs/k/checkpoints/LATEST")) kill_after(cmd_resume, rnd(200, 700));
    Result fin = fs::exists(s.dir / "runs/k/checkpoints/LATEST") ? run("resume runs/k", s.dir)
                                                                   : Result{-2, "no checkpoint yet"};
    if (fin.code == -2) {  // killed before the first checkpoint: start again, as a user would
      fs::remove_all(s.dir / "runs/k");
      fin = run("train recipes/tiny.yaml --run-dir runs/k" + steps, s.dir);
    }
    INFO(fin.out);
    REQUIRE(fin.code == 0);
    CHECK(final_weights(s.dir / "runs/k", 200) == final_weights(s.dir / "runs/ref", 200));
    // No torn temporary folder is left behind or picked up.
    for (auto& e : fs::directory_iterator(s.dir / "runs/k/checkpoints"))
      CHECK(e.path().filename().string().rfind(".tmp", 0) != 0);
    auto logged = train_steps(s.dir / "runs/k");
    REQUIRE(logged.size() == 40);
    for (int i = 0; i < 40; ++i) CHECK(logged[i] == 5 * (i + 1));
  }

  TEST_CASE("SIGINT finishes the step, checkpoints and exits 130") {
    Scratch s("sigint");
    write_file(s.dir / "recipes/long.yaml", read_file(s.dir / "recipes/tiny.yaml"));
    const std::string cmd = "cd '" + s.dir.string() + "' && exec env OMP_NUM_THREADS=2 " + std::string(WEFT_BINARY) +
                            " train recipes/long.yaml --run-dir runs/i --set train.steps=100000 --set train.ckpt_every=0 >/dev/null 2>&1";
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", cmd.c_str(), (char*)nullptr);
      _exit(127);
    }
    // Wait until training is under way, then interrupt.
    for (int i = 0; i < 200 && !fs::exists(s.dir / "runs/i/metrics.jsonl"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGINT);
    int st = 0;
    waitpid(pid, &st, 0);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 130);
    CHECK(fs::exists(s.dir / "runs/i/checkpoints/LATEST"));
  }
}
