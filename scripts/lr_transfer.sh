#!/usr/bin/env bash
# Depth-wise learning-rate transfer (the CompleteP paper, Procedure (b)): an lr grid of
# 7 values a factor 2 apart (2.5e-4 ... 1.6e-2) at depths 2, 4, 8, 16, width 128,
# for SP and CompleteP (base 128 x 2), equal tokens per run (200 steps x 8 x 64
# bytes, cosine with 20 warm-up steps), scored by the final validation loss on
# the last 1% of the corpus.
# Expected: CompleteP's best lr stays within one grid step (x2) from depth 2 to
# 16 while SP's moves further. Prints a table, writes runs/lr_transfer/lr_transfer.svg;
# the last line is `optimal-lr shift from depth 2 to 16: sp=×A completep=×B`.
# About 28 min on 2 shared cores; finished runs are reused when re-run.
# Needs build/weft and data/corpora/fortunes.txt (scripts/prepare_corpora.sh fortunes).
# Extra arguments go to scripts/param_evidence.py lr (e.g. --steps 200 --n-lr 6).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/param_evidence.py lr "$@"
