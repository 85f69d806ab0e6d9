#!/usr/bin/env bash
# The one command for a GPU machine (issue 14): builds weft with the CUDA backend,
# runs every CUDA parity suite, measures the bf16/f32 GEMM peak, times
# `weft bench recipes/bench/gpt2_124m.yaml` and the same model in PyTorch (eager
# with SDPA in bf16 and f32, and torch.compile), and prints one summary table.
# Target: under 8 minutes on one H200 with 16 cores.
#
# Usage: scripts/gpu_check.sh [OUTDIR] [--dry-run]     (OUTDIR defaults to $OUT, else gpu_check_out)
#   --dry-run   checks the prerequisites that need no GPU and prints every step's
#               command without running it (for machines without a GPU).
# Results: OUTDIR/summary.md (the table), OUTDIR/*.log and *.json per step.
# Exit status: 0 when every required step passed; 1 when one failed; 2 when there
# is no usable GPU (checked first, so the script fails fast and says so).
# Steps whose failure is a known gap (the trainer cannot yet place a model on cuda)
# are reported as FAIL with their message but do not stop later steps.
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0
OUTDIR="${OUT:-gpu_check_out}"
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) OUTDIR="$arg" ;;
  esac
done
mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"
JOBS="${WEFT_JOBS:-16}"
BUILD=build-gpu
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
SUMMARY="$OUTDIR/summary.md"
: > "$OUTDIR/steps.tsv"
T_START=$SECONDS
FAILED=0

note() { printf '%s\n' "$*" | tee -a "$OUTDIR/gpu_check.log"; }
# record NAME STATUS DETAIL
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$OUTDIR/steps.tsv"; note "[$2] $1: $3"; }

# step NAME TIMEOUT_S REQUIRED CMD...: runs CMD with a time limit, output to NAME.log.
step() {
  local name="$1" limit="$2" required="$3"
  shift 3
  if [[ $DRY == 1 ]]; then
    record "$name" "DRY" "would run (≤ ${limit}s): $*"
    return 0
  fi
  local t0=$SECONDS
  note "== $name (limit ${limit}s): $*"
  timeout --kill-after=10 "$limit" "$@" > "$OUTDIR/$name.log" 2>&1
  local rc=$?
  local dt=$((SECONDS - t0))
  if [[ $rc == 0 ]]; then
    record "$name" "PASS" "${dt}s"
  else
    local why
    why="$(grep -v '^\s*$' "$OUTDIR/$name.log" | tail -n 1 | cut -c1-160)"
    [[ $rc == 124 || $rc == 137 ]] && why="timed out after ${limit}s; $why"
    record "$name" "FAIL" "rc $rc after ${dt}s: $why"
    if [[ $required == required ]]; then FAILED=1; fi
  fi
  return $rc
}

# ---- 0. preflight: fail fast without a GPU ----
note "gpu_check: results in $OUTDIR"
if command -v nvidia-smi > /dev/null && nvidia-smi -L > "$OUTDIR/gpu.txt" 2>&1 && grep -q GPU "$OUTDIR/gpu.txt"; then
  record preflight PASS "$(head -n 1 "$OUTDIR/gpu.txt")"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv >> "$OUTDIR/gpu.txt" 2>&1
else
  if [[ $DRY == 1 ]]; then
    record preflight DRY "no GPU visible here (nvidia-smi: $(command -v nvidia-smi || echo missing)); a real run exits 2 at this point"
  else
    record preflight FAIL "no GPU visible (nvidia-smi missing or lists no device): nothing to check on this machine"
    exit 2
  fi
fi
[[ -x "$NVCC" ]] && record nvcc PASS "$("$NVCC" --version | tail -n 1)" || { record nvcc FAIL "nvcc not found ($NVCC)"; exit 1; }
if python3 -c "import torch" > /dev/null 2>&1; then
  record torch PASS "$(python3 -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())')"
  HAVE_TORCH=1
else
  record torch FAIL "python3 cannot import torch: PyTorch comparisons skipped"
  HAVE_TORCH=0
fi
for f in recipes/bench/gpt2_124m.yaml scripts/bench_torch_gpt2_cuda.py; do
  [[ -f $f ]] || { record files FAIL "missing $f"; exit 1; }
done

# A byte corpus for the benches (throughput only): the real one if prepared, else a synthetic file.
CORPUS=data/corpora/fortunes.txt
if [[ ! -s $CORPUS ]]; then
  CORPUS="$OUTDIR/bench_corpus.txt"
  [[ $DRY == 1 ]] || python3 -c "
import random; random.seed(1)
words = ['the', 'of', 'weft', 'gpu', 'tensor', 'and', 'a', 'to', 'is', 'loss', 'step', 'warp']
open('$CORPUS', 'w').write(' '.join(random.choice(words) for _ in range(2_000_000)))"
fi

# ---- 1. build (required: everything below needs it) ----
step configure 120 required cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DWEFT_CUDA=ON -DWEFT_BENCH=OFF \
  -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES="${WEFT_CUDA_ARCHS:-90-real;80-virtual}" || { note "configure failed: see $OUTDIR/configure.log"; exit 1; }
step build 300 required cmake --build "$BUILD" -j"$JOBS" --target weft weft_cuda_tests weft_gemm_peak \
  || { note "build failed: see $OUTDIR/build.log"; exit 1; }

# ---- 2. CUDA parity suites (required; a missing GPU is a failure here, not a skip) ----
if [[ $DRY == 1 ]]; then
  record cuda_suites DRY "would run: ctest -R '^cuda_' in $BUILD with WEFT_CUDA_TESTS_REQUIRE_GPU=1"
else
  (cd "$BUILD" && WEFT_CUDA_TESTS_REQUIRE_GPU=1 timeout 240 ctest -R '^cuda_' --output-on-failure --timeout 200 \
     --output-junit "$OUTDIR/cuda_suites.xml") > "$OUTDIR/cuda_suites.log" 2>&1
  rc=$?
  line="$(grep -E 'tests passed|tests failed' "$OUTDIR/cuda_suites.log" | tail -n 1)"
  if [[ $rc == 0 ]]; then record cuda_suites PASS "$line"; else record cuda_suites FAIL "rc $rc: $line"; FAILED=1; fi
fi

# ---- 3. GEMM peak through weft's cuBLAS path ----
step gemm_peak 90 required "$BUILD/weft_gemm_peak" 8192

# ---- 4. weft bench on the GPU (known gap: the trainer cannot place models on cuda yet) ----
step weft_bench 180 optional "$BUILD/weft" bench recipes/bench/gpt2_124m.yaml --steps 10 --warmup 3 --json \
  --set "data.path=$CORPUS"

# ---- 5. PyTorch on the same GPU ----
if [[ $HAVE_TORCH == 1 || $DRY == 1 ]]; then
  TB=(python3 scripts/bench_torch_gpt2_cuda.py --corpus "$CORPUS" --steps 10 --warmup 3)
  step torch_eager_bf16 150 optional "${TB[@]}" --bf16
  step torch_eager_f32 150 optional "${TB[@]}"
  step torch_compile_bf16 150 optional "${TB[@]}" --bf16 --compile
fi

# ---- 6. resume checks (need the trainer on cuda: not available yet) ----
record resume_checks SKIP "weft train/resume on device cuda is not implemented yet (trainer and nn tensors stay on cpu)"

# ---- summary ----
field() {  # field FILE KEY: a top-level number from the last JSON line of FILE
  [[ -f "$1" ]] || { echo "-"; return; }
  python3 -c "
import json, sys
for line in reversed(open('$1').read().splitlines()):
    try: d = json.loads(line)
    except Exception: continue
    v = d.get('$2'); print('-' if v is None else (f'{v:.4g}' if isinstance(v, float) else v)); sys.exit()
print('-')" 2>/dev/null || echo "-"
}
{
  echo "# gpu_check $(date -u +%Y-%m-%dT%H:%M:%SZ) — $(head -n 1 "$OUTDIR/gpu.txt" 2>/dev/null || echo 'no GPU')"
  echo
  echo "| step | status | detail |"
  echo "|---|---|---|"
  while IFS=$'\t' read -r n s d; do echo "| $n | $s | ${d//|//} |"; done < "$OUTDIR/steps.tsv"
  echo
  echo "| run | tokens/s | MFU | peak mem |"
  echo "|---|---|---|---|"
  echo "| weft bench (f32) | $(field "$OUTDIR/weft_bench.log" tokens_per_s) | $(field "$OUTDIR/weft_bench.log" mfu) | $(field "$OUTDIR/weft_bench.log" peak_device_mb) MB |"
  for r in torch_eager_bf16 torch_eager_f32 torch_compile_bf16; do
    echo "| $r | $(field "$OUTDIR/$r.log" tokens_per_s) | $(field "$OUTDIR/$r.log" mfu) | $(field "$OUTDIR/$r.log" peak_mem_gb) GB |"
  done
  echo
  echo "GEMM peak (weft/cuBLAS, n = 8192): bf16 $(field "$OUTDIR/gemm_peak.log" bf16_tflops) TFLOP/s, f32 $(field "$OUTDIR/gemm_peak.log" f32_tflops) TFLOP/s"
  echo "Goals (issue 14): all CUDA suites pass; GPT-2 124M bf16 ≥ 40% MFU and ≥ PyTorch eager tokens/s."
  echo "Wall time: $((SECONDS - T_START)) s"
} > "$SUMMARY"
echo
cat "$SUMMARY"
exit $FAILED
