#!/usr/bin/env bash
# weft vs PyTorch training throughput on the same CPU (issue 6).
#
#   scripts/bench_vs_torch.sh [--rounds N] [--threads "2 1"] [--configs "tiny small medium"]
#                             [--isa native|avx2] [--weft PATH]
#
# For each config in recipes/bench/ and each thread count, runs `weft bench` and
# its PyTorch twin (scripts/bench_torch_gpt.py: identical architecture and
# parameter count, both printed) alternately, N rounds each, and prints the
# median tokens/s of each program, the ratio weft/PyTorch (of the medians, and the
# median of the per-round ratios, each round running the two back to back). PyTorch runs with
# the OpenMP flavour of OpenBLAS, as weft does (Debian's default pthread flavour
# makes PyTorch up to 2x slower at 2 threads, which would flatter weft).
# Needs a Release build (build/weft) and python3-torch (WEFT_SETUP_BENCH=1 scripts/setup.sh).
# --isa avx2 measures what an AVX2-only user gets, on any AVX-512 machine: weft
# from an x86-64-v3 build (build-avx2/, configured and built here if missing),
# OPENBLAS_CORETYPE=Haswell and ONEDNN_MAX_CPU_ISA=AVX2 for both programs (both
# libraries pick kernels by CPUID at run time), PyTorch with ATEN_CPU_CAPABILITY=avx2. --weft runs another weft binary (e.g. an older build).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
threads_list="2 1"
configs="tiny small medium"
isa=native
WEFT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads_list="$2"; shift 2 ;;
    --configs) configs="$2"; shift 2 ;;
    --isa) isa="$2"; shift 2 ;;
    --weft) WEFT="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench_vs_torch.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3
isa_env=()  # environment of both programs
torch_env=()
case "$isa" in
  native) WEFT=${WEFT:-build/weft} ;;
  avx2)
    if [[ -z "$WEFT" ]]; then
      WEFT=build-avx2/weft
      if [[ ! -x "$WEFT" ]]; then
        echo "bench_vs_torch.sh: building the x86-64-v3 (AVX2) binary in build-avx2/ ..." >&2
        cmake -S . -B build-avx2 -DCMAKE_BUILD_TYPE=Release -DWEFT_ARCH=x86-64-v3 -DWEFT_BENCH=OFF >/dev/null
        cmake --build build-avx2 -j2 --target weft >/dev/null
      fi
    fi
    isa_env=(OPENBLAS_CORETYPE=Haswell ONEDNN_MAX_CPU_ISA=AVX2)  # oneDNN dispatches at run time, not by -march
    torch_env=(ATEN_CPU_CAPABILITY=avx2)
    ;;
  *) echo "bench_vs_torch.sh: --isa must be native or avx2, not '$isa'" >&2; exit 2 ;;
esac
[[ -x "$WEFT" ]] || { echo "bench_vs_torch.sh: $WEFT not found; build first (scripts/quickstart.sh or cmake)" >&2; exit 1; }
echo "isa: $isa (weft: $WEFT${isa_env:+, ${isa_env[*]}}${torch_env:+, torch ${torch_env[*]}})" >&2
"$PY" -c 'import torch' 2>/dev/null || { echo "bench_vs_torch.sh: python3-torch missing (WEFT_SETUP_BENCH=1 scripts/setup.sh)" >&2; exit 1; }
[[ -f data/corpora/fortunes.txt ]] || scripts/prepare_corpora.sh fortunes
OPENBLAS_OMP=/usr/lib/x86_64-linux-gnu/openblas-openmp

# name -> "d_model,n_layers,n_heads,seq_len,batch" (must match recipes/bench/NAME.yaml) and timed steps
declare -A dims=([tiny]=128,4,4,128,16 [small]=256,6,8,256,8 [medium]=512,8,8,256,8)
declare -A steps=([tiny]=20 [small]=10 [medium]=5)
declare -A target=([tiny]=1.8 [small]=1.4 [medium]=1.15)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for t in $threads_list; do
  for c in $configs; do
    for ((r = 1; r <= rounds; r++)); do
      echo "[$c, $t threads, round $r/$rounds] weft ..." >&2
      env ${isa_env[@]+"${isa_env[@]}"} OMP_NUM_THREADS=$t "$WEFT" bench "recipes/bench/$c.yaml" --steps "${steps[$c]}" --warmup 2 --json \
        >>"$out/weft_${c}_$t.jsonl"
      echo "[$c, $t threads, round $r/$rounds] pytorch ..." >&2
      env ${isa_env[@]+"${isa_env[@]}"} ${torch_env[@]+"${torch_env[@]}"} OMP_NUM_THREADS=$t LD_LIBRARY_PATH="$OPENBLAS_OMP" \
        "$PY" scripts/bench_torch_gpt.py \
        --config "$c=${dims[$c]}" --threads "$t" --steps "${steps[$c]}" --warmup 2 >>"$out/torch_${c}_$t.jsonl"
    done
  done
done

"$PY" - "$out" "$threads_list" "$configs" "${target[tiny]}" "${target[small]}" "${target[medium]}" <<'PYEOF'
import json, statistics, sys
out, threads, configs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
targets = dict(zip(["tiny", "small", "medium"], map(float, sys.argv[4:7])))
def load(p):
    return [json.loads(l) for l in open(p) if l.strip()]
# ratio: of the two medians. paired: the median over rounds of weft/torch within a
# round, whose two runs are back to back -- steadier when the machine's speed drifts.
# rounds: each round's weft/torch, to show the spread.
print(f"{'config':8} {'thr':>3} {'params weft/torch':>19} {'weft tok/s':>11} {'torch tok/s':>11} {'ratio':>6} "
      f"{'paired':>6} {'target':>6} {'weft MFU':>8} {'RSS MB weft/torch':>18}  rounds")
for t in threads:
    for c in configs:
        w, p = load(f"{out}/weft_{c}_{t}.jsonl"), load(f"{out}/torch_{c}_{t}.jsonl")
        wt = statistics.median(r["tokens_per_s"] for r in w)
        pt = statistics.median(r["tokens_per_s"] for r in p)
        mfu = statistics.median(r["mfu"] for r in w)
        rss_w, rss_p = max(r["peak_rss_mb"] for r in w), max(r["peak_rss_mb"] for r in p)
        rounds = [a["tokens_per_s"] / b["tokens_per_s"] for a, b in zip(w, p)]
        tgt = f"{targets[c]:.2f}" if t == "2" else "-"
        print(f"{c:8} {t:>3} {w[0]['params']:>9}/{p[0]['params']:<9} {wt:11.0f} {pt:11.0f} {wt / pt:6.2f} "
              f"{statistics.median(rounds):6.2f} {tgt:>6} {mfu:8.2f} {rss_w:8.0f}/{rss_p:<8.0f}  "
              + " ".join(f"{r:.2f}" for r in rounds))
PYEOF
