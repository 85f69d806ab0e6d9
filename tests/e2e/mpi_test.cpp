// Data-parallel training under mpirun on loopback (README "Training on several
// processes and machines"): -np N bit-identical to one process with
// grad_accum N (losses at every step, final weights and optimizer state, with
// dropout on), ZeRO-1 identical to unsharded, resume, a killed rank, bad input.
// Skipped, saying so, when the build has no MPI or mpirun is missing.
#include <unistd.h>

#include "e2e_util.h"

namespace weft::e2e {

namespace {

bool have_mpirun() {
  const std::string m = WEFT_MPIRUN;
  if (m.empty() || ::access(m.c_str(), X_OK) != 0) {
    MESSAGE("skipped: this build has no MPI (WEFT_MPI=OFF) or mpirun is missing; scripts/setup.sh installs Open MPI");
    return false;
  }
  return true;
}

// One thread per rank; shared memory between the ranks (loopback TCP as fallback);
// `timeout` turns a hang into a failure (exit 124).
// Under AddressSanitizer, Open MPI's own allocations that live until exit are
// not leak-checked (memory errors still are).
#ifdef __SANITIZE_ADDRESS__
const std::string kEnv = "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 OMP_NUM_THREADS=1 timeout 120 ";
#else
const std::string kEnv = "OMP_NUM_THREADS=1 timeout 120 ";
#endif

std::string mpirun(int np) {
  return kEnv + WEFT_MPIRUN +
         " --allow-run-as-root --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo -np " +
         std::to_string(np) + " ";
}

Result sh(const std::string& cmd, const fs::path& dir) {
  std::string full = "cd '" + dir.string() + "' && " + cmd + " 2>&1";
  Result r;
  FILE* p = popen(full.c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

const std::string kShort = " --set train.steps=8 --set train.ckpt_every=4 --set train.eval_every=0";
const std::string W = WEFT_BINARY;

Result train(const fs::path& dir, int np, const std::string& run, const std::string& sets) {
  const std::string launcher = np == 0 ? "OMP_NUM_THREADS=1 " : mpirun(np);
  Result r = sh(launcher + W + " train recipes/tiny.yaml --run-dir runs/" + run + kShort + sets, dir);
  INFO(r.out);
  REQUIRE(r.code == 0);
  return r;
}

std::string file_at(const fs::path& dir, const std::string& run, int step, const char* file) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%08d", step);
  return read_file(dir / "runs" / run / "checkpoints" / name / file);
}

void check_same(const fs::path& dir, const std::string& a, const std::string& b, int step = 8) {
  INFO(a << " vs " << b);
  auto la = train_losses(dir / "runs" / a), lb = train_losses(dir / "runs" / b);
  REQUIRE(la.size() == size_t(step));
  REQUIRE(lb.size() == la.size());
  for (size_t i = 0; i < la.size(); ++i) {
    INFO("step " << i + 1);
    CHECK(la[i] == lb[i]);
  }
  CHECK(file_at(dir, a, step, "model.safetensors") == file_at(dir, b, step, "model.safetensors"));
  CHECK(file_at(dir, a, step, "optim.safetensors") == file_at(dir, b, step, "optim.safetensors"));
}

}  // namespace

TEST_SUITE("mpi") {
  TEST_CASE("-np N equals one process with grad_accum N bit for bit (dropout on), also with ZeRO-1") {
    if (!have_mpirun()) return;
    Scratch s("mpi_eq");
    train(s.dir, 0, "a2", " --set train.grad_accum=2");
    train(s.dir, 0, "a4", " --set train.grad_accum=4");
    train(s.dir, 2, "n2", "");
    train(s.dir, 4, "n4", "");
    train(s.dir, 2, "n2a2", " --set train.grad_accum=2");
    train(s.dir, 4, "z4", " --set train.shard_optimizer=true");
    train(s.dir, 2, "z2a2", " --set train.shard_optimizer=true --set train.grad_accum=2 --set train.bucket_mb=0.01");
    check_same(s.dir, "a2", "n2");
    check_same(s.dir, "a4", "n4");
    check_same(s.dir, "a4", "n2a2");
    check_same(s.dir, "a4", "z4");
    check_same(s.dir, "a4", "z2a2");
    // The recipe's grad_accum changes the numbers (the check above can fail).
    CHECK(train_losses(s.dir / "runs/a2") != train_losses(s.dir / "runs/a4"));
    auto st = nlohmann::json::parse(file_at(s.dir, "n4", 8, "state.json"));
    CHECK(st["world_size"] == 4);
    CHECK(train_field<int64_t>(s.dir / "runs/n4", "world_size").back() == 4);
  }

  TEST_CASE("resume: the same N is bit-exact (sharded too), another N continues") {
    if (!have_mpirun()) return;
    Scratch s("mpi_resume");
    train(s.dir, 2, "straight", " --set train.shard_optimizer=true");
    train(s.dir, 2, "split", " --set train.shard_optimizer=true --until 4");
    Result r = sh(mpirun(2) + W + " resume runs/split", s.dir);
    INFO(r.out);
    REQUIRE(r.code == 0);
    check_same(s.dir, "straight", "split");
    train(s.dir, 2, "other", " --until 4");
    Result r4 = sh(mpirun(4) + W + " resume runs/other", s.dir);
    INFO(r4.out);
    REQUIRE(r4.code == 0);
    CHECK(train_steps(s.dir / "runs/other").size() == 8);
    CHECK(train_field<int64_t>(s.dir / "runs/other", "world_size").back() == 4);
    Result r1 = sh("OMP_NUM_THREADS=1 " + W + " resume runs/other --steps 10", s.dir);
    INFO(r1.out);
    CHECK(r1.code == 0);
  }

  TEST_CASE("a killed rank ends the job, names the rank, keeps the last checkpoint, and resume continues") {
    if (!have_mpirun()) return;
    Scratch s("mpi_kill");
    const std::string script =
        "( " + mpirun(2) + "sh -c 'echo $$ > pid.$OMPI_COMM_WORLD_RANK; exec " + W +
        " train recipes/tiny.yaml --run-dir runs/k --set train.steps=100000 --set train.ckpt_every=3 "
        "--set train.eval_every=0' > k.log 2>&1; echo $? > k.rc ) & "
        // Any checkpoint will do: old ones are pruned (train.keep), so waiting
        // for one particular step can miss it on a fast machine.
        "for i in $(seq 600); do [ -e runs/k/checkpoints/LATEST ] && break; sleep 0.1; done; "
        "kill -9 $(cat pid.1); wait; cat k.log; echo rc=$(cat k.rc)";
    write_file(s.dir / "kill.sh", script + "\n");
    Result r = sh("bash kill.sh", s.dir);
    INFO(r.out);
    CHECK(r.out.find("rc=0") == std::string::npos);
    CHECK(r.out.find("rc=124") == std::string::npos);  // not a hang
    CHECK(r.out.find("rank 1") != std::string::npos);
    const std::string latest = read_file(s.dir / "runs/k/checkpoints/LATEST");
    REQUIRE(latest.rfind("step_", 0) == 0);
    const int64_t saved = std::stoll(latest.substr(5));
    const std::string until = std::to_string(saved + 6);
    Result again = sh(mpirun(2) + W + " resume runs/k --steps " + until, s.dir);
    INFO(again.out);
    CHECK(again.code == 0);
    CHECK(train_steps(s.dir / "runs/k").back() == saved + 6);
  }

  TEST_CASE("bad input: ranks started differently, an optimizer that cannot shard, a rank's data error") {
    if (!have_mpirun()) return;
    Scratch s("mpi_bad");
    // Each rank's own exit code (mpirun would otherwise stop the rest at the first non-zero one).
    const auto each = [&](const std::string& a, const std::string& b) {
      return kEnv + WEFT_MPIRUN +
             " --allow-run-as-root --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo "
             "--mca orte_abort_on_non_zero_status 0 -np 1 sh -c '" + W + " train recipes/tiny.yaml " + a +
             "; echo $? > code.0' : -np 1 sh -c '" + W + " train recipes/tiny.yaml " + b + "; echo $? > code.1'";
    };
    Result r = sh(each("--run-dir runs/b1", "--run-dir runs/b1 --set optim.lr=1e-3"), s.dir);
    INFO(r.out);
    CHECK(r.out.find("rank 1 of 2 was started with another recipe or --set values than rank 0") != std::string::npos);
    CHECK(read_file(s.dir / "code.0") == "2\n");
    CHECK(read_file(s.dir / "code.1") == "2\n");
    CHECK(!fs::exists(s.dir / "runs/b1"));

    Result d = sh(each("--run-dir runs/b2", "--run-dir runs/b2 --until 3"), s.dir);
    INFO(d.out);
    CHECK(d.out.find("another command line") != std::string::npos);
    CHECK(read_file(s.dir / "code.1") == "2\n");

    Result sgd = sh(mpirun(2) + W + " train recipes/tiny.yaml --run-dir runs/b3 --set optim.type=sgd "
                    "--set train.shard_optimizer=true", s.dir);
    INFO(sgd.out);
    CHECK(sgd.code == 2);
    CHECK(sgd.out.find("cannot shard its state") != std::string::npos);

    Result data = sh(each("--run-dir runs/b4", "--run-dir runs/b4 --set data.path=missing.txt"), s.dir);
    INFO(data.out);
    CHECK(data.out.find("rank 1 of 2: data: path 'missing.txt' does not exist") != std::string::npos);
    CHECK(read_file(s.dir / "code.0") == "3\n");
    CHECK(read_file(s.dir / "code.1") == "3\n");
  }
}

}  // namespace weft::e2e
