#!/usr/bin/env bash
# Step time (forward + backward + AdamW, batch 1) and peak RSS of MEGABYTE
# (recipes/megabyte/gcide_small.yaml) and its flat byte-gpt baseline
# (recipes/megabyte/gcide_flat.yaml) as the context T grows, 2 threads, with
# the fitted growth exponent of each (least squares of log time on log T).
# The two models are benched alternately at each T, so machine load hits both.
# Then generation speed of both at a 4K context (GEN_TOKENS=256 new bytes).
#
# Usage: scripts/megabyte_scaling.sh [T ...]   (default: 1024 2048 4096 8192 16384)
#   WEFT=build/weft  STEPS=5  WARMUP=1  GEN_TOKENS=256
# Needs data/corpora/gcide.txt (scripts/prepare_corpora.sh gcide).
set -euo pipefail
cd "$(dirname "$0")/.."
WEFT=${WEFT:-build/weft}
STEPS=${STEPS:-5}
WARMUP=${WARMUP:-1}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1024 2048 4096 8192 16384)
export OMP_NUM_THREADS=2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
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

# Generation speed at a 4K context: each model trained for one step (its
# weights do not matter for speed), then `weft generate` of GEN_TOKENS bytes
# after a 3072-byte prompt from the corpus, KV-cached (MEGABYTE: per patch one
# global step, then P local steps).
GEN_TOKENS=${GEN_TOKENS:-256}
runs=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$runs"' EXIT
prompt=$(head -c 200000 data/corpora/gcide.txt | tail -c 3072 | tr -d '\000')
echo
echo "generation at context 4096 (prompt 3072 bytes, $GEN_TOKENS new bytes, KV cache):"
for model in megabyte flat; do
  recipe=recipes/megabyte/gcide_small.yaml
  [ "$model" = flat ] && recipe=recipes/megabyte/gcide_flat.yaml
  "$WEFT" train "$recipe" --run-dir "$runs/$model" --set model.seq_len=4096 --set train.batch=1 \
    --set train.steps=1 --set schedule.warmup=0 --set train.eval_batches=1 --set train.ckpt_every=1 >/dev/null
  t0=$(date +%s.%N)
  "$WEFT" generate "$runs/$model" --prompt "$prompt" --tokens "$GEN_TOKENS" --temperature 0 >/dev/null
  t1=$(date +%s.%N)
  python3 -c "print(f'  {\"$model\":>9}: {($GEN_TOKENS) / ($t1 - $t0):8.1f} bytes/s ({$t1 - $t0:.2f} s, prefill included)')"
done
