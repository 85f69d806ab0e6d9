#!/usr/bin/env bash
# Offline RL evidence: Decision Transformer vs behaviour cloning (the same
# network with its return input zeroed) on weft's classic-control datasets.
# For each ENV in $ENVS and dataset KIND in $KINDS and seed in $SEEDS: collect
# the data, train recipes/dt/ENV.yaml (DT) and recipes/dt/ENV_bc.yaml (BC) on
# it, evaluate both by rollout at the recipe's targets, and print one table row
# per run (normalised score 100·(R − R_random)/(R_expert − R_random) at the
# first target). Usage: scripts/dt_eval.sh [BUILD_DIR]   (default: build)
#   ENVS="cartpole pendulum" KINDS="medium-replay" SEEDS="1" STEPS=1500 scripts/dt_eval.sh
set -euo pipefail
BUILD=${1:-build}
WEFT="$(pwd)/$BUILD/weft"
ENVS=${ENVS:-"cartpole pendulum"}
KINDS=${KINDS:-"medium medium-replay medium-expert"}
SEEDS=${SEEDS:-"1 2 3"}
STEPS=${STEPS:-1500}
OUT=${OUT:-runs/dt_eval}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$OUT"
printf "%-9s %-14s %-4s %-3s %10s %8s\n" env data seed alg return score | tee "$OUT/table.txt"
for env in $ENVS; do
  for kind in $KINDS; do
    data="data/rl/$env-$kind.safetensors"
    "$WEFT" dataset collect "$env" --policy "$kind" --episodes 200 --seed 1 --out "$data" > /dev/null
    for seed in $SEEDS; do
      for alg in dt bc; do
        recipe="recipes/dt/$env.yaml"
        [ "$alg" = bc ] && recipe="recipes/dt/${env}_bc.yaml"
        run="$OUT/$env-$kind-$seed-$alg"
        rm -rf "$run"
        "$WEFT" train "$recipe" --run-dir "$run" --set "data.path=$data" --set "seed=$seed" \
          --set "train.steps=$STEPS" --set train.eval_every=0 > "$run.log" 2>&1
        "$WEFT" eval "$run" --json --set "data.path=$data" > "$run.eval.json"
        python3 - "$env" "$kind" "$seed" "$alg" "$run.eval.json" <<'PY' | tee -a "$OUT/table.txt"
import json, sys
env, kind, seed, alg, f = sys.argv[1:]
j = json.load(open(f))
print("%-9s %-14s %-4s %-3s %10.1f %8.1f" % (env, kind, seed, alg, j["return"], j["score"]))
PY
      done
    done
  done
done
