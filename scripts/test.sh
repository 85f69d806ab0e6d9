#!/usr/bin/env bash
# Installs what is missing, builds weft and runs the whole test suite; then a
# second build with AddressSanitizer + UndefinedBehaviorSanitizer over the suite;
# when nvcc is present, the CUDA configuration (compile and link check: these
# machines have no GPU, so its parity suites report as skipped); then a short run
# of every fuzz harness (scripts/fuzz.sh, WEFT_FUZZ_SECONDS each).
# Usage: scripts/test.sh            (WEFT_SKIP_SANITIZE=1 skips the sanitizer pass,
#                                    WEFT_SKIP_CUDA=1 the CUDA build, WEFT_SKIP_FUZZ=1 the fuzz pass)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${WEFT_JOBS:-2}"

scripts/setup.sh

echo "== build (Release, warnings as errors) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWEFT_WERROR=ON >/dev/null
cmake --build build -j"$JOBS"
echo "== tests =="
(cd build && OMP_NUM_THREADS=2 ctest --output-on-failure -j1)

NVCC="$(command -v nvcc || true)"
[[ -z "$NVCC" && -x /usr/local/cuda/bin/nvcc ]] && NVCC=/usr/local/cuda/bin/nvcc
if [[ "${WEFT_SKIP_CUDA:-0}" != "1" && -n "$NVCC" ]]; then
  echo "== build (CUDA configuration: compile and link check) =="
  # Only the targets that link the CUDA backend: the CPU suites are the ones above.
  cmake -S . -B build-cuda -DCMAKE_BUILD_TYPE=Release -DWEFT_CUDA=ON -DWEFT_BENCH=OFF -DWEFT_WERROR=ON \
    -DCMAKE_CUDA_COMPILER="$NVCC" >/dev/null
  cmake --build build-cuda -j"$JOBS" --target weft weft_cuda_tests weft_gemm_peak
  echo "== CUDA suites (skipped without a GPU) =="
  (cd build-cuda && ctest -R '^cuda_' --output-on-failure -j1)
fi

if [[ "${WEFT_SKIP_SANITIZE:-0}" != "1" ]]; then
  echo "== build (ASan + UBSan) =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWEFT_SANITIZE=ON -DWEFT_BENCH=OFF -DWEFT_WERROR=ON \
    -DCMAKE_CXX_FLAGS="-O1" >/dev/null
  cmake --build build-asan -j"$JOBS" --target weft_tests weft
  echo "== tests under sanitizers =="
  # OpenMP's runtime keeps thread-local pools alive at exit: not a weft leak.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     LSAN_OPTIONS=suppressions="$PWD/../scripts/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1 \
     OMP_NUM_THREADS=2 ctest --output-on-failure -j1)
fi
if [[ "${WEFT_SKIP_FUZZ:-0}" != "1" ]]; then
  scripts/fuzz.sh "${WEFT_FUZZ_SECONDS:-5}"
fi
echo "test.sh: all tests passed"
