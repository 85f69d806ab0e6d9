#!/usr/bin/env bash
# Evidence for data-parallel training (README "Training on several processes and
# machines"), on loopback with one OpenMP thread per rank:
#   1. tokens/s at N = 1, 2 for recipes/bench/{small,medium}.yaml (`weft bench`);
#   2. the all-reduce wait after the backward per step with train.overlap true and
#      false, and the fraction of it hidden behind the backward;
#   3. peak RSS per rank with and without ZeRO-1 (train.shard_optimizer) at N = 2, 4;
#   4. an 8-rank oversubscribed run: weights and losses bit-identical to one
#      process with grad_accum: 8.
# Usage: scripts/scaling_mpi.sh [BUILD_DIR]   (STEPS=N timed steps, default 6)
# On a shared or small machine the timings are noisy; compare only within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
W="$PWD/$BUILD/weft"
STEPS=${STEPS:-6}
[ -x "$W" ] || { echo "scaling_mpi: build weft first ($W missing)" >&2; exit 2; }
command -v mpirun >/dev/null || { echo "scaling_mpi: mpirun missing (scripts/setup.sh installs Open MPI)" >&2; exit 2; }
[ -f data/corpora/fortunes.txt ] || scripts/prepare_corpora.sh
MPI=(mpirun --allow-run-as-root --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo)
export OMP_NUM_THREADS=1
field() { python3 -c "import json,sys; j=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(j$1)"; }

bench() {  # N RECIPE [--set ...]
  local n=$1 r=$2
  shift 2
  if [ "$n" = 1 ]; then
    "$W" bench "$r" --steps "$STEPS" --warmup 2 --json --set train.threads=1 "$@"
  else
    "${MPI[@]}" -np "$n" "$W" bench "$r" --steps "$STEPS" --warmup 2 --json --set train.threads=1 "$@"
  fi
}

if [ "${SKIP_SPEED:-0}" != 1 ]; then
echo "## tokens/s (global batch = N x train.batch; one thread per rank)"
echo "| recipe | N=1 tok/s | N=2 tok/s | speed-up | comm MB/step/rank (N=2) |"
echo "|---|---|---|---|---|"
for r in small medium; do
  one=$(bench 1 recipes/bench/$r.yaml)
  two=$(bench 2 recipes/bench/$r.yaml)
  t1=$(echo "$one" | field '["tokens_per_s"]')
  t2=$(echo "$two" | field '["tokens_per_s"]')
  mb=$(echo "$two" | field '["comm_mb_per_step_per_rank"]')
  printf "| %s | %.0f | %.0f | %.2f | %.1f |\n" "$r" "$t1" "$t2" "$(python3 -c "print($t2/$t1)")" "$mb"
done

echo
echo "## all-reduce wait after the backward, N=2 (median ms/step)"
echo "| recipe | overlap off | overlap on | hidden |"
echo "|---|---|---|---|"
for r in small medium; do
  off=$(bench 2 recipes/bench/$r.yaml --set train.overlap=false | field '["allreduce_exposed_ms"]')
  on=$(bench 2 recipes/bench/$r.yaml --set train.overlap=true | field '["allreduce_exposed_ms"]')
  printf "| %s | %.2f | %.2f | %.0f%% |\n" "$r" "$off" "$on" "$(python3 -c "print(max(0.0, 100*(1-$on/$off)) if $off > 0 else 0)")"
done

fi  # SKIP_SPEED=1 runs only the memory and equality parts

echo
echo "## peak RSS per rank, recipes/bench/medium.yaml (MB, largest rank)"
echo "| N | unsharded | ZeRO-1 | saved |"
echo "|---|---|---|---|"
for n in 2 4; do
  a=$(STEPS=2 bench $n recipes/bench/medium.yaml | field '["peak_rss_mb"]')
  b=$(STEPS=2 bench $n recipes/bench/medium.yaml --set train.shard_optimizer=true | field '["peak_rss_mb"]')
  printf "| %s | %.0f | %.0f | %.0f |\n" "$n" "$a" "$b" "$(python3 -c "print($a-$b)")"
done

echo
echo "## 8 ranks (oversubscribed) vs one process with grad_accum: 8, recipes/bench/tiny.yaml, 6 steps, dropout 0.1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sets=(--set train.steps=6 --set train.log_every=1 --set train.eval_every=0 --set train.ckpt_every=6 --set train.threads=1
      --set schedule.warmup=2 --set model.block.dropout=0.1)
"$W" train recipes/bench/tiny.yaml --run-dir "$tmp/one" "${sets[@]}" --set train.grad_accum=8 > "$tmp/one.log"
"${MPI[@]}" -np 8 "$W" train recipes/bench/tiny.yaml --run-dir "$tmp/eight" "${sets[@]}" > "$tmp/eight.log"
losses() { python3 -c "import json; print([json.loads(l)['loss'] for l in open('$1/metrics.jsonl') if json.loads(l)['kind']=='train'])"; }
echo "grad_accum 8: $(losses "$tmp/one")"
echo "-np 8:        $(losses "$tmp/eight")"
for f in model.safetensors optim.safetensors; do
  if cmp -s "$tmp/one/checkpoints/step_00000006/$f" "$tmp/eight/checkpoints/step_00000006/$f"; then
    echo "$f: bit-identical"
  else
    echo "$f: DIFFERS"; exit 1
  fi
done
[ "$(losses "$tmp/one")" = "$(losses "$tmp/eight")" ] && echo "losses: identical at every step" || { echo "losses DIFFER"; exit 1; }
