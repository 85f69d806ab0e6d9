#!/usr/bin/env bash
# The main job: install what is missing, build weft (Release) and run it.
# Until the trainer lands (issue "Trainer, YAML recipes, CLI and checkpoints"),
# this builds the binary and shows its help and op list.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"${WEFT_JOBS:-2}" --target weft
./build/weft --help
./build/weft ops
