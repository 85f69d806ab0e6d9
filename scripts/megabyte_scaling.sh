#!/usr/bin/env bash
# The evidence of issue 12, in three parts (PARTS="scaling quality generation"):
#
# 1. scaling: step time (forward + backward + AdamW, batch 1) and peak RSS of
#    MEGABYTE (recipes/megabyte/gcide_small.yaml) and its flat byte-gpt baseline
#    (recipes/megabyte/gcide_flat.yaml) as the context T grows, 2 threads, with the
#    fitted growth exponent of each (least squares of log time on log T). The two
#    models are benched alternately at each T, so machine load hits both.
# 2. quality: equal-compute training at T = QUALITY_T on gcide: MEGABYTE for
#    QUALITY_STEPS steps of QUALITY_BATCH sequences, and the flat gpt and MEGABYTE
#    without its local model (model.local_model: false, the paper's ablation) for
#    as many steps as give the same training FLOPs (steps × bytes × FLOPs/byte from
#    `weft inspect`); then val bits/byte over the whole split (`weft eval`).
# 3. generation: bytes/s of `weft generate` at a 4K context (GEN_TOKENS new
#    bytes, KV cache) for MEGABYTE, the FLOPs-matched flat gpt and the
#    parameter-matched one (recipes/megabyte/gcide_flat_params.yaml).
#
# Usage: scripts/megabyte_scaling.sh [T ...]   (part 1's sizes; default: 1024 2048 4096 8192 16384)
#   WEFT=build/weft  STEPS=5  WARMUP=1  QUALITY_T=2048  QUALITY_STEPS=1500  QUALITY_BATCH=2  GEN_TOKENS=256
# Needs data/corpora/gcide.txt (scripts/prepare_corpora.sh gcide). About 30 minutes on 2 AVX-512 cores (oneDNN GEMMs).
set -euo pipefail
cd "$(dirname "$0")/.."
WEFT=${WEFT:-build/weft}
STEPS=${STEPS:-5}
WARMUP=${WARMUP:-1}
PARTS=${PARTS:-scaling quality generation}
QUALITY_T=${QUALITY_T:-2048}
QUALITY_STEPS=${QUALITY_STEPS:-1500}
QUALITY_BATCH=${QUALITY_BATCH:-2}
GEN_TOKENS=${GEN_TOKENS:-256}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1024 2048 4096 8192 16384)
[ -f data/corpora/gcide.txt ] || scripts/prepare_corpora.sh gcide
export OMP_NUM_THREADS=2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
has_part() { [[ " $PARTS " == *" $1 "* ]]; }

if has_part scaling; then
echo "1. step time and peak RSS, batch 1, 2 threads ($STEPS timed steps after $WARMUP):"
out=$work/scaling.txt
for T in "${SIZES[@]}"; do
  for model in megabyte flat; do
    recipe=recipes/megabyte/gcide_small.yaml
    [ "$model" = flat ] && recipe=recipes/megabyte/gcide_flat.yaml
    json=$("$WEFT" bench "$recipe" --steps "$STEPS" --warmup "$WARMUP" --json \
      --set model.seq_len="$T" --set train.batch=1)
    echo "$model $T $json" >>"$out"
  done
done
python3 - "$out" <<'PY'
import json, math, sys
rows = {}
for line in open(sys.argv[1]):
    model, T, js = line.split(" ", 2)
    rows.setdefault(model, []).append((int(T), json.loads(js)))
def step(j): return j["step_s"]["median"] if j else float("nan")
def rss(j): return j["peak_rss_mb"] if j else float("nan")
print(f"{'T':>7} {'megabyte s/step':>16} {'flat s/step':>12} {'ratio':>7} {'mb RSS MiB':>11} {'flat RSS MiB':>13}")
mb, fl = dict(rows.get("megabyte", [])), dict(rows.get("flat", []))
for T in sorted(mb):
    a, b = step(mb[T]), step(fl.get(T))
    ra, rb = rss(mb[T]), rss(fl.get(T))
    print(f"{T:>7} {a:>16.3f} {b:>12.3f} {b / a:>7.2f} {ra:>11.0f} {rb:>13.0f}")
def exponent(d):
    pts = [(math.log(T), math.log(step(j))) for T, j in sorted(d.items())]
    n = len(pts)
    if n < 2: return float("nan")
    mx = sum(x for x, _ in pts) / n; my = sum(y for _, y in pts) / n
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
print(f"fitted exponent (time ∝ T^e): megabyte {exponent(mb):.2f}, flat {exponent(fl):.2f}")
PY
fi

if has_part quality; then
echo
echo "2. equal-compute quality at T = $QUALITY_T (batch $QUALITY_BATCH; MEGABYTE $QUALITY_STEPS steps, the others as many as give the same training FLOPs):"
declare -A recipe_of=([megabyte]=recipes/megabyte/gcide_small.yaml [flat]=recipes/megabyte/gcide_flat.yaml
                      [no_local]=recipes/megabyte/gcide_small.yaml)
declare -A extra_of=([megabyte]="" [flat]="" [no_local]="model.local_model=false")
flops_of() {  # training FLOPs per byte of model $1 at QUALITY_T
  local sets=(--set model.seq_len="$QUALITY_T")
  [ -n "${extra_of[$1]}" ] && sets+=(--set "${extra_of[$1]}")
  "$WEFT" inspect "${recipe_of[$1]}" "${sets[@]}" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["flops_per_token"])'
}
f_mb=$(flops_of megabyte)
for model in megabyte flat no_local; do
  f=$(flops_of "$model")
  steps=$(python3 -c "print(max(1, round($QUALITY_STEPS * $f_mb / $f)))")
  warmup=$(( steps / 10 ))
  sets=(--set model.seq_len="$QUALITY_T" --set train.batch="$QUALITY_BATCH" --set train.steps="$steps"
        --set schedule.warmup="$warmup" --set train.eval_every=0 --set train.ckpt_every="$steps"
        --set train.log_every=50)
  [ -n "${extra_of[$model]}" ] && sets+=(--set "${extra_of[$model]}")
  echo "  training $model: $steps steps ..." >&2
  t0=$(date +%s.%N)
  "$WEFT" train "${recipe_of[$model]}" --run-dir "$work/q_$model" "${sets[@]}" >"$work/q_$model.log"
  t1=$(date +%s.%N)
  "$WEFT" eval "$work/q_$model" --json >"$work/q_$model.eval.json"
  echo "$model $f $steps $(python3 -c "print($t1 - $t0)")" >>"$work/quality.txt"
done
python3 - "$work" "$QUALITY_T" "$QUALITY_BATCH" <<'PY'
import json, sys
work, T, B = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"{'model':>9} {'FLOPs/byte':>11} {'steps':>6} {'train MB':>9} {'train PFLOP':>12} {'val bits/byte':>14} {'train s':>8}")
for line in open(f"{work}/quality.txt"):
    model, f, steps, secs = line.split()
    f, steps, secs = float(f), int(steps), float(secs)
    ev = json.load(open(f"{work}/q_{model}.eval.json"))
    bpb = ev.get("bits_per_byte", ev.get("bpb", float("nan")))
    nbytes = steps * B * T
    print(f"{model:>9} {f:11.3e} {steps:6d} {nbytes / 1e6:9.2f} {nbytes * f / 1e15:12.3f} {bpb:14.4f} {secs:8.0f}")
PY
fi

# Generation speed at a 4K context: each model trained for one step (its
# weights do not matter for speed), then `weft generate` of GEN_TOKENS bytes
# after a 3072-byte prompt from the corpus, KV-cached (MEGABYTE: per patch one
# global step, then P local steps).
if has_part generation; then
runs=$work
prompt=$(head -c 200000 data/corpora/gcide.txt | tail -c 3072 | tr -d '\000')
echo
echo "3. generation at context 4096 (prompt 3072 bytes, $GEN_TOKENS new bytes, KV cache):"
declare -A gen_recipe=([megabyte]=recipes/megabyte/gcide_small.yaml [flat]=recipes/megabyte/gcide_flat.yaml
                       [flat_params]=recipes/megabyte/gcide_flat_params.yaml)
for model in megabyte flat flat_params; do
  recipe=${gen_recipe[$model]}
  "$WEFT" train "$recipe" --run-dir "$runs/$model" --set model.seq_len=4096 --set train.batch=1 \
    --set train.steps=1 --set schedule.warmup=0 --set train.eval_batches=1 --set train.ckpt_every=1 >/dev/null
  # One new byte (prefill + 1) and GEN_TOKENS new bytes: their difference is the
  # decoding alone.
  t0=$(date +%s.%N)
  "$WEFT" generate "$runs/$model" --prompt "$prompt" --tokens 1 --temperature 0 >/dev/null
  t1=$(date +%s.%N)
  "$WEFT" generate "$runs/$model" --prompt "$prompt" --tokens "$GEN_TOKENS" --temperature 0 >/dev/null
  t2=$(date +%s.%N)
  python3 -c "n, a, b = $GEN_TOKENS, $t1 - $t0, $t2 - $t1; print(f'  {\"$model\":>11}: {n / b:8.1f} bytes/s with the prefill, {(n - 1) / (b - a):8.1f} bytes/s decoding alone (prefill + 1 byte: {a:.2f} s; {n} bytes: {b:.2f} s)')"
done
fi
