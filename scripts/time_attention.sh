#!/usr/bin/env bash
# Forward + backward time of one attention layer (batch 1, 4 heads of 64, d = 256,
# projections included), softmax (fused causal attention, O(T²)) vs cat_causal
# (exactly causal online FFT convolution, O(T log² T)), at T = 1K … 16K, and the
# growth factor per doubling of T (4 for quadratic, ~2 for near-linear). Each time
# is the fastest of 3 repetitions: on a shared machine the minimum is the least
# disturbed by other processes.
# Usage: scripts/time_attention.sh [threads]      (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-2}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target weft_bench >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
OMP_NUM_THREADS=$THREADS ./build/weft_bench --benchmark_filter='BM_attention_layer_' \
  --benchmark_format=json --benchmark_min_time=0.5 --benchmark_repetitions=3 >"$out"
python3 - "$out" "$THREADS" <<'PY'
import json, sys
rows = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") == "aggregate":
        continue
    kind = b["name"].split("/")[0].replace("BM_attention_layer_", "")
    row = rows.setdefault(int(b["T"]), {})
    row[kind] = min(row.get(kind, float("inf")), b["real_time"])
print(f"attention layer forward+backward, batch 1, 4 heads × 64, {sys.argv[2]} threads (ms, best of 3; ×: growth per doubling of T)")
print(f"{'T':>6}  {'softmax':>10} {'×':>5}  {'cat_causal':>10} {'×':>5}  {'softmax/cat':>11}")
prev = None
for T in sorted(rows):
    s, c = rows[T]["softmax"], rows[T]["cat_causal"]
    gs = f"{s / prev[0]:5.2f}" if prev else "    -"
    gc = f"{c / prev[1]:5.2f}" if prev else "    -"
    print(f"{T:>6}  {s:10.1f} {gs}  {c:10.1f} {gc}  {s / c:11.2f}")
    prev = (s, c)
PY
