// Runner of the CUDA parity suites. Without a usable GPU it runs nothing, says why
// and exits 77, which ctest (SKIP_RETURN_CODE) reports as "Skipped" — never as
// passed. WEFT_CUDA_TESTS_REQUIRE_GPU=1 (scripts/gpu_check.sh) turns that into a failure.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "weft/backend/dispatch.h"

int main(int argc, char** argv) {
  std::string why;
  if (weft::cuda_device_count(why) == 0) {
    const char* req = std::getenv("WEFT_CUDA_TESTS_REQUIRE_GPU");
    if (req && std::string(req) == "1") {
      std::cerr << "FAILED: CUDA suites need a GPU and none is usable: " << why << "\n";
      return 1;
    }
    std::cout << "SKIPPED: no usable CUDA device (" << why << "); the CUDA parity suites need a GPU\n";
    return 77;
  }
  doctest::Context ctx;
  ctx.applyCommandLine(argc, argv);
  return ctx.run();
}
