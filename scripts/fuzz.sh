#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp; clang-14, ASan + UBSan)
# into build-fuzz/ and runs each for SECONDS (default 60) from its seeds in
# tests/fuzz/seeds/<harness>/. Inputs that reach new code are kept in
# build-fuzz/corpus/<harness>/ (reused by the next run); a crash, a hang (> 10 s),
# a non-weft exception or > 2 GB of memory stops the run, saves the input under
# build-fuzz/crashes/ and fails the script. Prints executions per harness.
# Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
shift || true
JOBS="${WEFT_JOBS:-2}"

scripts/setup.sh

echo "== build (fuzz harnesses: clang-14, libFuzzer, ASan + UBSan) =="
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1 -g" \
  -DWEFT_FUZZ=ON -DWEFT_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS" --target fuzz_all

harnesses=("$@")
if ((${#harnesses[@]} == 0)); then
  for f in tests/fuzz/*_fuzz.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
fi
mkdir -p build-fuzz/crashes
status=0
for h in "${harnesses[@]}"; do
  mkdir -p "build-fuzz/corpus/$h"
  log="build-fuzz/$h.log"
  echo "== fuzz $h for ${SECS}s =="
  # detect_leaks: OpenMP/OpenBLAS keep their pools until exit (scripts/lsan.supp).
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions="$PWD/scripts/lsan.supp" \
     UBSAN_OPTIONS=print_stacktrace=1 OMP_NUM_THREADS=1 \
     "build-fuzz/$h" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="build-fuzz/crashes/$h-" "build-fuzz/corpus/$h" "tests/fuzz/seeds/$h" >"$log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' || echo '?')
    echo "fuzz $h: $runs executions in ${SECS}s, no crash"
  else
    echo "fuzz $h: FAILED (log: $log; input under build-fuzz/crashes/)"
    tail -n 40 "$log"
    status=1
  fi
done
exit $status
