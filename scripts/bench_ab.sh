#!/usr/bin/env bash
# Two weft binaries side by side: `weft bench` of each recipe with binary A, then
# B, back to back, for N rounds; prints the median tokens/s of each and the
# median of the per-round ratios B/A (a paired ratio: steadier when the machine's
# speed drifts). For "did this change slow anything down" (an older build against
# the current one, or one build flag against another).
#
#   scripts/bench_ab.sh A_WEFT B_WEFT [--rounds 5] [--threads 2] [--steps 10] RECIPE...
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 3 ]] || { sed -n '2,8p' "$0"; exit 2; }
A=$1 B=$2
shift 2
rounds=5 threads=2 steps=10
recipes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    *) recipes+=("$1"); shift ;;
  esac
done
for w in "$A" "$B"; do [[ -x "$w" ]] || { echo "bench_ab.sh: $w is not an executable" >&2; exit 1; }; done
[[ -f data/corpora/fortunes.txt ]] || scripts/prepare_corpora.sh fortunes
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in "${!recipes[@]}"; do
  for ((r = 1; r <= rounds; r++)); do
    for side in A B; do
      bin=$A
      [[ $side == B ]] && bin=$B
      echo "[${recipes[$i]}, round $r/$rounds] $side" >&2
      OMP_NUM_THREADS=$threads "$bin" bench "${recipes[$i]}" --steps "$steps" --warmup 2 --json >>"$out/${side}_$i.jsonl"
    done
  done
done
python3 - "$out" "$A" "$B" "${recipes[@]}" <<'PY'
import json, statistics, sys
out, a, b, recipes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
print(f"A = {a}\nB = {b}")
print(f"{'recipe':40} {'A tok/s':>9} {'B tok/s':>9} {'B/A paired':>10}  rounds")
for i, r in enumerate(recipes):
    ta = [json.loads(l)["tokens_per_s"] for l in open(f"{out}/A_{i}.jsonl")]
    tb = [json.loads(l)["tokens_per_s"] for l in open(f"{out}/B_{i}.jsonl")]
    ratios = [y / x for x, y in zip(ta, tb)]
    print(f"{r:40} {statistics.median(ta):9.0f} {statistics.median(tb):9.0f} {statistics.median(ratios):10.3f}  "
          + " ".join(f"{x:.3f}" for x in ratios))
PY
