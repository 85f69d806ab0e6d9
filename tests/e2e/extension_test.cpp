// Extending weft with a layer (README "Adding a layer"): the user block in
// tests/extension/rezero_block.cpp, linked into build/weft_ext the way
// WEFT_EXTRA_SOURCES links a user's file into weft, is listed by `weft layers`,
// validated and trained from a recipe; plain weft does not know it.
#include "e2e_util.h"

using namespace weft::e2e;

namespace {
Result run_ext(const std::string& args, const fs::path& cwd) {
  return run(args, cwd, WEFT_EXT_BINARY);
}
}  // namespace

TEST_SUITE("e2e_extension") {
  TEST_CASE("a user block in its own file is registered with one line and trains from a recipe") {
    Scratch s("extension");
    const std::string recipe = std::string(WEFT_SOURCE_DIR) + "/tests/extension/rezero.yaml";
    Result layers = run_ext("layers", s.dir);
    REQUIRE(layers.code == 0);
    CHECK(layers.out.find("rezero: ReZero") != std::string::npos);
    CHECK(layers.out.find("alpha_init") != std::string::npos);
    Result bad = run_ext("inspect '" + recipe + "' --set model.block.alpha_innit=1", s.dir);
    CHECK(bad.code == 2);
    CHECK(bad.out.find("did you mean 'alpha_init'") != std::string::npos);
    Result t = run_ext("train '" + recipe + "' --run-dir runs/rz", s.dir);
    INFO(t.out);
    REQUIRE(t.code == 0);
    auto losses = train_losses(s.dir / "runs/rz");
    REQUIRE(losses.size() == 4);
    CHECK(losses.back() < losses.front());
    const std::string params = run_ext("inspect runs/rz", s.dir).out;
    CHECK(params.find("blocks.2.alpha") != std::string::npos);
    // weft itself, built without the file, refuses the type (a recipe error).
    Result plain = run("inspect '" + recipe + "'", s.dir);
    CHECK(plain.code == 2);
    CHECK(plain.out.find("unknown type 'rezero'") != std::string::npos);
  }
}
