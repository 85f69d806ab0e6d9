// End-to-end, hostile input (issue findings 1, 4, 5, 6, 11): self-containing
// aliases, alias bombs, oversize recipes, /dev/zero and FIFOs in place of
// recipes and checkpoint files, and an ffn_mult that rounds to an empty layer.
// Each must exit with its code and a message naming the file, quickly: every
// command runs under `timeout`, so a hang fails as exit 124 instead of blocking.
#include <sys/stat.h>

#include "e2e_util.h"

using namespace weft::e2e;

namespace {

const std::string kWeft = std::string("timeout 120 ") + WEFT_BINARY;

Result cli(const std::string& args, const fs::path& cwd) { return run(args, cwd, kWeft); }

std::string tiny(Scratch& s) { return read_file(s.dir / "recipes/tiny.yaml"); }

void expect(const Result& r, int code, const std::vector<std::string>& mention) {
  INFO(r.out.substr(0, 2000));
  CHECK(r.code == code);
  for (auto& m : mention) CHECK(r.out.find(m) != std::string::npos);
}

}  // namespace

TEST_SUITE("e2e_hostile") {
  TEST_CASE("self-containing aliases and alias bombs: exit 2 naming the file, nothing written") {
    Scratch s("aliases");
    write_file(s.dir / "recipes/self.yaml", tiny(s) + "x: &a [*a]\n");
    expect(cli("train recipes/self.yaml --run-dir runs/self", s.dir), 2, {"self.yaml", "nesting deeper than 64"});
    CHECK_FALSE(fs::exists(s.dir / "runs/self"));
    expect(cli("inspect recipes/self.yaml", s.dir), 2, {"self.yaml", "nesting deeper"});
    // Self-reference through a map, too.
    write_file(s.dir / "recipes/selfmap.yaml", tiny(s) + "y: &b {k: *b}\n");
    expect(cli("inspect recipes/selfmap.yaml", s.dir), 2, {"selfmap.yaml", "nesting deeper"});

    // 10 levels of 10 aliases under an unknown key: 10^10 nodes once expanded.
    std::string bomb = "bomb:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; ++i) {
      const std::string prev = "*l" + std::to_string(i - 1);
      bomb += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + prev;
      for (int k = 1; k < 10; ++k) bomb += ", " + prev;
      bomb += "]\n";
    }
    write_file(s.dir / "recipes/bomb.yaml", tiny(s) + bomb);
    expect(cli("train recipes/bomb.yaml --run-dir runs/bomb", s.dir), 2, {"bomb.yaml", "aliases are expanded"});
    CHECK_FALSE(fs::exists(s.dir / "runs/bomb"));
    expect(cli("inspect recipes/bomb.yaml", s.dir), 2, {"bomb.yaml", "aliases are expanded"});
    // The same through an include, and through --set.
    write_file(s.dir / "recipes/inc.yaml", "include: bomb.yaml\n");
    expect(cli("inspect recipes/inc.yaml", s.dir), 2, {"bomb.yaml", "aliases are expanded"});
    expect(cli("inspect recipes/tiny.yaml --set 'seed=&a [*a]'", s.dir), 2, {"--set", "nesting deeper"});
    // Aliases within bounds still work.
    write_file(s.dir / "recipes/ok_alias.yaml", tiny(s) + "notes: {a: &n [1, 2], b: *n}\n");
    expect(cli("inspect recipes/ok_alias.yaml", s.dir), 2, {"notes"});  // unknown key, reported as such
  }

  TEST_CASE("an oversize recipe, /dev/zero or a FIFO as the recipe: exit 2 naming the file") {
    Scratch s("readers");
    write_file(s.dir / "recipes/huge.yaml", tiny(s) + "# " + std::string(2 << 20, 'x') + "\n");
    expect(cli("inspect recipes/huge.yaml", s.dir), 2, {"huge.yaml", "1048576-byte limit"});
    expect(cli("inspect /dev/zero", s.dir), 2, {"/dev/zero", "character device"});
    REQUIRE(::mkfifo((s.dir / "recipes/fifo.yaml").c_str(), 0600) == 0);
    expect(cli("inspect recipes/fifo.yaml", s.dir), 2, {"fifo.yaml", "FIFO"});
    expect(cli("train recipes/fifo.yaml --run-dir runs/f", s.dir), 2, {"fifo.yaml", "FIFO"});
    CHECK_FALSE(fs::exists(s.dir / "runs/f"));
    // An included FIFO.
    write_file(s.dir / "recipes/inc.yaml", "include: fifo.yaml\n");
    expect(cli("inspect recipes/inc.yaml", s.dir), 2, {"fifo.yaml", "FIFO"});
    // A FIFO as the corpus.
    REQUIRE(::mkfifo((s.dir / "data/fifo.txt").c_str(), 0600) == 0);
    std::string r = tiny(s);
    r.replace(r.find("data/tiny.txt"), 13, "data/fifo.txt");
    write_file(s.dir / "recipes/fifo_data.yaml", r);
    expect(cli("train recipes/fifo_data.yaml --run-dir runs/fd", s.dir), 3, {"fifo.txt"});
    CHECK_FALSE(fs::exists(s.dir / "runs/fd"));
  }

  TEST_CASE("a run folder whose recipe.yaml or state.json is /dev/zero or a FIFO: refused by name, no hang") {
    Scratch s("runfiles");
    Result t = cli("train recipes/tiny.yaml --run-dir runs/d --set train.steps=2 --set train.ckpt_every=2 "
                    "--set train.eval_every=2 --set schedule.warmup=1",
                    s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);
    const fs::path run = s.dir / "runs/d", step = run / "checkpoints/step_00000002";
    REQUIRE(fs::exists(step / "state.json"));
    const std::string recipe = read_file(run / "recipe.yaml"), state = read_file(step / "state.json");

    fs::remove(run / "recipe.yaml");
    fs::create_symlink("/dev/zero", run / "recipe.yaml");
    for (const char* cmd : {"eval runs/d", "resume runs/d --steps 4", "inspect runs/d"})
      expect(cli(cmd, s.dir), 2, {"recipe.yaml", "character device"});
    fs::remove(run / "recipe.yaml");
    REQUIRE(::mkfifo((run / "recipe.yaml").c_str(), 0600) == 0);
    expect(cli("eval runs/d", s.dir), 2, {"recipe.yaml", "FIFO"});
    fs::remove(run / "recipe.yaml");
    write_file(run / "recipe.yaml", recipe);

    fs::remove(step / "state.json");
    REQUIRE(::mkfifo((step / "state.json").c_str(), 0600) == 0);
    expect(cli("eval runs/d", s.dir), 4, {"state.json", "FIFO"});
    fs::remove(step / "state.json");
    fs::remove(step / "model.safetensors");
    write_file(step / "state.json", state);
    REQUIRE(::mkfifo((step / "model.safetensors").c_str(), 0600) == 0);
    expect(cli("eval runs/d", s.dir), 4, {"model.safetensors", "FIFO"});
  }

  TEST_CASE("ffn_mult = 1e-320 passes the range check but is refused before anything is written (exit 2)") {
    Scratch s("ffn");
    expect(cli("train recipes/tiny.yaml --run-dir runs/f --set model.block.ffn_mult=1e-320", s.dir), 2,
           {"ffn_mult", "hidden width"});
    CHECK_FALSE(fs::exists(s.dir / "runs/f"));
    expect(cli("inspect recipes/tiny.yaml --set model.block.ffn_mult=1e-320", s.dir), 2, {"ffn_mult"});
    // The smallest ffn_mult that gives one hidden unit at d_model 32 is fine.
    expect(cli("inspect recipes/tiny.yaml --set model.block.ffn_mult=0.016", s.dir), 0, {});
  }
}
