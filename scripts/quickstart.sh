#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine as root: install what is missing,
# build weft (Release), prepare the corpus, train recipes/quickstart.yaml into
# runs/quickstart, evaluate it (runs/quickstart/eval.json) and print a sample.
# Safe to rerun: the build is reused, and a finished run is reported and
# evaluated again rather than overwritten (an interrupted one is resumed).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=runs/quickstart

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"${WEFT_JOBS:-2}" --target weft
scripts/prepare_corpora.sh fortunes

start=$(date +%s)
if [[ -f "$RUN/recipe.yaml" ]]; then
  echo "quickstart: $RUN already holds a run; resuming it (nothing to do if it is finished)"
  ./build/weft resume "$RUN"
else
  ./build/weft train recipes/quickstart.yaml --run-dir "$RUN"
fi
echo "quickstart: training took $(( $(date +%s) - start )) s"
./build/weft eval "$RUN"
echo "--- sample ---"
./build/weft generate "$RUN" --prompt "The " --tokens 300 --temperature 0.8 --seed 1
