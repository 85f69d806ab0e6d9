#!/usr/bin/env bash
# The one command for a GPU machine (issue 14): builds weft with the CUDA backend,
# runs every CUDA parity suite (the NCCL communicator at N = 1 included), measures
# the bf16/f32 GEMM peak, times `weft bench recipes/bench/gpt2_124m.yaml` in bf16 and
# f32 and the same model in PyTorch (eager with SDPA in bf16 and f32, and
# torch.compile), checks that training on cuda resumes bit for bit and that a run
# moves cuda → cpu → cuda at checkpoints, and prints one summary table.
# Target: under 8 minutes on one H200 with 16 cores.
#
# Usage: scripts/gpu_check.sh [OUTDIR] [--dry-run]     (OUTDIR defaults to $OUT, else gpu_check_out)
#   --dry-run   checks the prerequisites that need no GPU and prints every step's
#               command without running it (for machines without a GPU).
# Results: OUTDIR/summary.md (the table), OUTDIR/*.log and *.json per step.
# Exit status: 0 when every required step passed; 1 when one failed; 2 when there
# is no usable GPU (checked first, so the script fails fast and says so).
# Optional steps (PyTorch, torch.compile, the f32 bench) are reported as FAIL with
# their message but do not change the exit status.
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

# ---- 4. weft bench on the GPU: bf16 inputs (the goal) and f32 ----
step weft_bench 180 required "$BUILD/weft" bench recipes/bench/gpt2_124m.yaml --steps 10 --warmup 3 --json \
  --set "data.path=$CORPUS" --set train.precision=bf16
step weft_bench_f32 180 optional "$BUILD/weft" bench recipes/bench/gpt2_124m.yaml --steps 10 --warmup 3 --json \
  --set "data.path=$CORPUS"

# ---- 5. PyTorch on the same GPU ----
if [[ $HAVE_TORCH == 1 || $DRY == 1 ]]; then
  TB=(python3 scripts/bench_torch_gpt2_cuda.py --corpus "$CORPUS" --steps 10 --warmup 3)
  step torch_eager_bf16 150 optional "${TB[@]}" --bf16
  step torch_eager_f32 150 optional "${TB[@]}"
  step torch_compile_bf16 150 optional "${TB[@]}" --bf16 --compile
fi

# ---- 6. training on cuda: --until + resume bit for bit; cuda → cpu → cuda at checkpoints ----
RC="$OUTDIR/resume"
if [[ $DRY == 0 ]]; then
  rm -rf "$RC" && mkdir -p "$RC"
  cat > "$RC/small.yaml" <<YAML
seed: 3
device: cuda
model: { type: gpt, d_model: 128, n_layers: 2, n_heads: 4, seq_len: 128, block: { type: pre_ln, dropout: 0.1 } }
optim: { type: adamw, lr: 3.0e-3 }
schedule: { type: cosine, warmup: 5 }
data: { type: bytes, path: "$CORPUS", val_fraction: 0.01 }
train: { steps: 30, batch: 8, log_every: 1, eval_every: 10, eval_batches: 2, ckpt_every: 10, keep: 0 }
YAML
fi
W="$BUILD/weft"
step cuda_train 120 required "$W" train "$RC/small.yaml" --run-dir "$RC/straight"
step cuda_until 120 required "$W" train "$RC/small.yaml" --run-dir "$RC/split" --until 10
step cuda_resume 120 required "$W" resume "$RC/split"
# The same run moved: cuda to step 10, cpu to 20, cuda to 30.
step moved_cuda 120 required "$W" train "$RC/small.yaml" --run-dir "$RC/moved" --until 10
step moved_cpu 120 required "$W" resume "$RC/moved" --until 20 --device cpu
step moved_cuda_again 120 required "$W" resume "$RC/moved"
# compare_runs A B TOL: every train loss of B equals A's (TOL 0) or is within TOL relative.
compare_runs() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
def losses(run):
    out = {}
    for line in open(run + "/metrics.jsonl"):
        d = json.loads(line)
        if d.get("kind") == "train": out[d["step"]] = d["loss"]
    return out
a, b, tol = losses(sys.argv[1]), losses(sys.argv[2]), float(sys.argv[3])
assert sorted(a) == sorted(b) and len(a) == 30, f"steps differ: {sorted(a)[-3:]} vs {sorted(b)[-3:]}"
diffs = [abs(a[s] - b[s]) / abs(a[s]) for s in a]
worst = float("nan") if any(d != d for d in diffs) else max(diffs)  # a NaN fails
print(f"{len(a)} steps, worst relative loss difference {worst:.3g} (tolerance {tol})")
sys.exit(0 if worst <= tol else 1)
PY
}
if [[ $DRY == 1 ]]; then
  record resume_exact DRY "would compare $RC/straight and $RC/split (cuda --until 10 + resume): bit for bit"
  record device_moves DRY "would compare $RC/moved (cuda → cpu for steps 11–20 → cuda) with the straight run: loss within 2%"
else
  out="$(compare_runs "$RC/straight" "$RC/split" 0 2>&1)"; rc=$?
  out="$(printf '%s\n' "$out" | tail -n 1 | cut -c1-160)"
  if [[ $rc == 0 ]] && cmp -s "$RC/straight/checkpoints/step_00000030/model.safetensors" \
       "$RC/split/checkpoints/step_00000030/model.safetensors"; then
    record resume_exact PASS "cuda --until 10 + resume: $out; the step-30 weights are identical"
  else
    record resume_exact FAIL "cuda --until 10 + resume: $out (losses rc $rc; or the step-30 weights differ or are missing)"; FAILED=1
  fi
  out="$(compare_runs "$RC/straight" "$RC/moved" 0.02 2>&1)"; rc=$?
  out="$(printf '%s\n' "$out" | tail -n 1 | cut -c1-160)"
  if [[ $rc == 0 ]]; then
    record device_moves PASS "cuda → cpu → cuda: $out"
  else
    record device_moves FAIL "cuda → cpu → cuda: $out"; FAILED=1
  fi
fi

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
  echo "| weft bench (bf16) | $(field "$OUTDIR/weft_bench.log" tokens_per_s) | $(field "$OUTDIR/weft_bench.log" mfu) | $(field "$OUTDIR/weft_bench.log" peak_device_mb) MB |"
  echo "| weft bench (f32) | $(field "$OUTDIR/weft_bench_f32.log" tokens_per_s) | $(field "$OUTDIR/weft_bench_f32.log" mfu) | $(field "$OUTDIR/weft_bench_f32.log" peak_device_mb) MB |"
  for r in torch_eager_bf16 torch_eager_f32 torch_compile_bf16; do
    echo "| $r | $(field "$OUTDIR/$r.log" tokens_per_s) | $(field "$OUTDIR/$r.log" mfu) | $(field "$OUTDIR/$r.log" peak_mem_gb) GB |"
  done
  echo
  echo "GEMM peak (weft/cuBLAS, n = 8192): bf16 tensors $(field "$OUTDIR/gemm_peak.log" bf16_tflops) TFLOP/s, f32 tensors with bf16 inputs (train.precision: bf16) $(field "$OUTDIR/gemm_peak.log" f32_bf16_inputs_tflops) TFLOP/s, f32 $(field "$OUTDIR/gemm_peak.log" f32_tflops) TFLOP/s"
  echo "weft bench's MFU is against the peak it measures itself on the model's device in the run's precision (sgemm_peak_gflops in its JSON)."
  echo "Goals (issue 14): all CUDA suites pass; GPT-2 124M bf16 ≥ 40% MFU and ≥ PyTorch eager tokens/s."
  echo "Wall time: $((SECONDS - T_START)) s"
} > "$SUMMARY"
echo
cat "$SUMMARY"
exit $FAILED
