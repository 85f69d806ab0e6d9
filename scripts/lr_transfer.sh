#!/usr/bin/env bash
# Depth-wise learning-rate transfer (the CompleteP paper, Procedure (b)), measured
# so the answer is not seed noise: SP, depth-µP (alpha 0.5) and CompleteP (alpha 1)
# at depths 2, 4, 8, 16, width 128 (base 128 x 2), 3 seeds per point, equal tokens
# per run (400 steps x 8 x 64 bytes, cosine with 40 warm-up steps), an lr grid a
# factor sqrt(2) apart that grows towards each optimum, the optimum fitted on the curve
# of the mean over seeds (parabola in log lr through the best point and its
# neighbours) with its bootstrap standard error over seeds.
# Expected: CompleteP's optimum stays within one grid step from depth 2 to 16
# while SP's moves further. Prints the loss and optimum tables, writes
# RESULTS/lr_sweep.svg; the last line is
#   optimal-lr shift from depth 2 to 16: sp=×A mup=×B completep=×C (± ...)
# About 2-2.5 h on 2 otherwise idle cores (2 runs x 1 thread); resumable: finished
# runs in RESULTS/runs/ are never repeated, so a killed sweep continues where it
# stopped. `--report` prints the results so far without running anything.
# Needs build/weft and data/corpora/fortunes.txt (scripts/prepare_corpora.sh fortunes).
# Arguments go to scripts/lr_sweep.py (e.g. --out /work/lr_sweep --depths 2 4 8 16 32).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/lr_sweep.py "$@"
