// Every recipe shipped in recipes/ validates (and builds its model).
#include "e2e_util.h"

using namespace weft::e2e;

TEST_SUITE("e2e_recipes") {
  TEST_CASE("every recipe in recipes/ validates") {
    const fs::path root = WEFT_SOURCE_DIR;
    int n = 0;
    for (auto& e : fs::recursive_directory_iterator(root / "recipes")) {
      if (e.path().extension() != ".yaml") continue;
      ++n;
      // inspect validates the recipe and builds the model without reading bytes data.
      Result r = run("inspect '" + e.path().string() + "' --json", root);
      INFO(e.path().string() << "\n" << r.out);
      CHECK(r.code == 0);
    }
    CHECK(n > 0);
  }
}
