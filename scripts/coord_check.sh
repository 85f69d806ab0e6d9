#!/usr/bin/env bash
# Coordinate check (the CompleteP paper, Procedure (a)): SP vs CompleteP, 10 AdamW
# steps at lr 1e-3 on fortunes bytes; `weft train --activations` logs the mean
# |x| of the embedding, each block output and the logits at every step.
#   widths 64, 128, 256, 512 at depth 4; depths 2, 4, 8, 16, 32 at width 128
#   (d_head 32; CompleteP base 64 x 2). Expected: CompleteP's step-10 final
#   residual and logits roughly flat across width and depth, SP's growing.
# Prints a table and writes runs/coord_check/coord_check.svg (under 2 min on 2 busy cores).
# Needs build/weft and data/corpora/fortunes.txt (scripts/prepare_corpora.sh fortunes).
# Extra arguments go to scripts/param_evidence.py coord (e.g. --params sp mup completep).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/param_evidence.py coord "$@"
