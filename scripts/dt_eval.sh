#!/usr/bin/env bash
# Offline RL evidence (issue: Decision Transformer and Elastic DT), three parts:
#  1. scores: for each ENV in $ENVS, dataset KIND in $KINDS, seed in $SEEDS and
#     algorithm in $ALGS: DT (recipes/dt/<env>.yaml), behaviour cloning
#     (<env>_bc.yaml, the same network with its return input zeroed) and
#     Elastic DT (<env>_edt.yaml), each with data.path set to the KIND's file,
#     which makes it the recipe recipes/dt/<env>_<kind>[_bc].yaml; normalised
#     score 100·(R − R_random)/(R_expert − R_random) at the recipe's first
#     target (Elastic DT: at its own return estimate); mean ± std over the
#     seeds in $OUT/scores.txt;
#  2. return conditioning: the seed-1 DT of each env in $SWEEP_ENVS on
#     $SWEEP_KIND evaluated at $SWEEP_TARGETS (default: a sweep within and above
#     the data's range per env): $OUT/sweep-<env>.txt and
#     the plot $OUT/sweep-<env>.svg;
#  3. stitching on gridmaze's `stitch` data (no trajectory from the start
#     reaches the goal): DT, Elastic DT and BC per seed, against the best
#     trajectory in the dataset (from the start, and overall): $OUT/stitch.txt.
# $PARTS picks the parts ("scores sweep stitch"); $JOBS runs go side by side
# (each with OMP_NUM_THREADS=1). Steps are each recipe's train.steps unless
# $STEPS is set. Defaults fit ≤ 60 minutes on 2 cores.
# Usage: scripts/dt_eval.sh [BUILD_DIR]   (default: build), e.g.
#   PARTS=stitch SEEDS="1 2 3" scripts/dt_eval.sh
#   PARTS="scores sweep" ENVS=cartpole scripts/dt_eval.sh
set -euo pipefail
BUILD=${1:-build}
WEFT="$(pwd)/$BUILD/weft"
PARTS=${PARTS:-"scores sweep stitch"}
ENVS=${ENVS:-"cartpole pendulum pointmaze_umaze"}
KINDS=${KINDS:-"medium medium-replay medium-expert"}
SEEDS=${SEEDS:-"1 2 3"}
STEPS=${STEPS:-}
ALGS=${ALGS:-"dt bc edt"}
EPISODES=${EPISODES:-10}
JOBS=${JOBS:-2}
SWEEP_ENVS=${SWEEP_ENVS:-$ENVS}
SWEEP_KIND=${SWEEP_KIND:-medium-replay}
OUT=${OUT:-runs/dt_eval}
export OMP_NUM_THREADS=1
mkdir -p "$OUT" data/rl

recipe_of() {  # environment → recipe stem under recipes/dt/
  case "$1" in pointmaze_*) echo pointmaze ;; *) echo "$1" ;; esac
}
sweep_targets() {
  case "$1" in cartpole) echo "[50,100,200,300,400,500,600,800]" ;; pendulum) echo "[-1200,-900,-600,-400,-200,-100,0]" ;;
    pointmaze_*) echo "[0,20,40,60,80,100,127,150]" ;; gridmaze) echo "[0,0.5,1]" ;; esac
}

# train_eval RUN RECIPE DATA SEED [--set ...]: trains, then evaluates (eval.json, eval.jsonl).
train_eval() {
  local run=$1 recipe=$2 data=$3 seed=$4
  shift 4
  rm -rf "$run"
  local steps=()
  [ -n "$STEPS" ] && steps=(--set "train.steps=$STEPS")
  "$WEFT" train "$recipe" --run-dir "$run" --set "data.path=$data" --set "seed=$seed" "${steps[@]}" \
    --set train.eval_every=0 "$@" > "$run.log" 2>&1
  "$WEFT" eval "$run" --json --set "data.path=$data" --set "eval.rollout.episodes=$EPISODES" > "$run.eval.json"
}
throttle() { while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done; }

# Mean ± std over seeds of "score" (or "return") in eval.json files: KEY LABEL FILES...
summarise() {
  python3 - "$@" <<'PY'
import json, math, sys
key, label, files = sys.argv[1], sys.argv[2], sys.argv[3:]
v = [json.load(open(f))[key] for f in files]
m = sum(v) / len(v)
sd = math.sqrt(sum((x - m) ** 2 for x in v) / len(v))
print("%-40s %8.1f ± %5.1f   (%s)" % (label, m, sd, ", ".join("%.1f" % x for x in v)))
PY
}

if [[ " $PARTS " == *" scores "* || " $PARTS " == *" sweep "* ]]; then
  for env in $ENVS; do
    for kind in $KINDS; do
      "$WEFT" dataset collect "$env" --policy "$kind" --episodes 200 --seed 1 --out "data/rl/$env-$kind.safetensors" > /dev/null
      for seed in $SEEDS; do
        for alg in $ALGS; do
          r="recipes/dt/$(recipe_of "$env").yaml"
          [ "$alg" != dt ] && r="recipes/dt/$(recipe_of "$env")_$alg.yaml"
          throttle
          train_eval "$OUT/$env-$kind-$seed-$alg" "$r" "data/rl/$env-$kind.safetensors" "$seed" --set "data.env=$env" &
        done
      done
    done
  done
  wait
  {
    echo "normalised score at the recipe's first target, mean ± std over seeds ($SEEDS), ${STEPS:-recipe} steps, $EPISODES episodes"
    for env in $ENVS; do
      for kind in $KINDS; do
        for alg in $ALGS; do
          summarise score "$env $kind $alg" $(for s in $SEEDS; do echo "$OUT/$env-$kind-$s-$alg.eval.json"; done)
        done
      done
    done
  } | tee "$OUT/scores.txt"
fi

if [[ " $PARTS " == *" sweep "* ]]; then
  s1=$(echo $SEEDS | cut -d' ' -f1)
  for SWEEP_ENV in $SWEEP_ENVS; do
  run="$OUT/$SWEEP_ENV-$SWEEP_KIND-$s1-dt"
  targets=${SWEEP_TARGETS:-$(sweep_targets "$SWEEP_ENV")}
  "$WEFT" eval "$run" --json --set "data.path=data/rl/$SWEEP_ENV-$SWEEP_KIND.safetensors" \
    --set "eval.rollout.targets=$targets" --set "eval.rollout.episodes=$EPISODES" > "$OUT/sweep-$SWEEP_ENV.json"
  python3 - "$OUT/sweep-$SWEEP_ENV.json" "$OUT/sweep-$SWEEP_ENV.txt" "$OUT/sweep-$SWEEP_ENV.svg" "$SWEEP_ENV $SWEEP_KIND" \
    "data/rl/$SWEEP_ENV-$SWEEP_KIND.safetensors" <<'PY'
import json, struct, sys
j = json.load(open(sys.argv[1]))
f = open(sys.argv[5], "rb"); n = struct.unpack("<Q", f.read(8))[0]; meta = json.loads(f.read(n))["__metadata__"]
lo_d, hi_d = float(meta["return_min"]), float(meta["return_max"])
rows = [(t["target"], t["return"], t["return_std"], t["score"]) for t in j["targets"]]
with open(sys.argv[2], "w") as o:
    o.write("return conditioning, %s (data returns %.1f .. %.1f)\n%10s %10s %8s %8s\n" % (sys.argv[4], lo_d, hi_d, "target", "return", "std", "score"))
    for r in rows: o.write("%10.1f %10.1f %8.1f %8.1f\n" % r)
print(open(sys.argv[2]).read(), end="")
# A plain SVG: achieved against target, the diagonal, the data's return range shaded.
W, H, P = 480, 360, 50
xs = [r[0] for r in rows]; ys = [r[1] for r in rows]
lo = min(xs + ys + [lo_d]); hi = max(xs + ys + [hi_d]); hi = hi if hi > lo else lo + 1
X = lambda v: P + (v - lo) / (hi - lo) * (W - 2 * P)
Y = lambda v: H - P - (v - lo) / (hi - lo) * (H - 2 * P)
s = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, H),
     '<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#eef"/>' % (X(lo_d), P, X(hi_d) - X(lo_d), H - 2 * P),
     '<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#aaa" stroke-dasharray="4"/>' % (X(lo), Y(lo), X(hi), Y(hi)),
     '<polyline fill="none" stroke="#c33" stroke-width="2" points="%s"/>' % " ".join("%.1f,%.1f" % (X(a), Y(b)) for a, b in zip(xs, ys))]
for a, b, sd, _ in rows:
    s.append('<circle cx="%.1f" cy="%.1f" r="3" fill="#c33"/>' % (X(a), Y(b)))
    s.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c33"/>' % (X(a), Y(b - sd), X(a), Y(b + sd)))
s += ['<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (P, H - P, W - P, H - P),
      '<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (P, P, P, H - P),
      '<text x="%d" y="%d" text-anchor="middle">target return (shaded: the data\'s returns)</text>' % (W // 2, H - 12),
      '<text x="14" y="%d" transform="rotate(-90 14 %d)" text-anchor="middle">achieved return</text>' % (H // 2, H // 2),
      '<text x="%d" y="24" text-anchor="middle">DT return conditioning: %s</text>' % (W // 2, sys.argv[4])]
for v in (lo, (lo + hi) / 2, hi):
    s.append('<text x="%.1f" y="%d" text-anchor="middle">%.0f</text>' % (X(v), H - P + 16, v))
    s.append('<text x="%d" y="%.1f" text-anchor="end">%.0f</text>' % (P - 4, Y(v) + 4, v))
open(sys.argv[3], "w").write("\n".join(s + ["</svg>"]) + "\n")
PY
  echo "plot: $OUT/sweep-$SWEEP_ENV.svg"
  done
fi

if [[ " $PARTS " == *" stitch "* ]]; then
  data=data/rl/gridmaze-stitch.safetensors
  "$WEFT" dataset collect gridmaze --policy stitch --episodes 200 --seed 1 --out "$data" > /dev/null
  for seed in $SEEDS; do
    for alg in dt edt bc; do
      r=recipes/dt/gridmaze.yaml
      [ "$alg" = edt ] && r=recipes/dt/gridmaze_edt.yaml
      [ "$alg" = bc ] && r=recipes/dt/gridmaze_bc.yaml
      throttle
      STEPS=${STITCH_STEPS:-$STEPS} train_eval "$OUT/gridmaze-$seed-$alg" "$r" "$data" "$seed" &
    done
  done
  wait
  {
    echo "stitching on gridmaze (stitch data, 200 episodes): return from the start S (1 = goal reached), seeds $SEEDS"
    python3 - "$data" <<'PY'
import json, struct, sys
f = open(sys.argv[1], "rb"); n = struct.unpack("<Q", f.read(8))[0]; h = json.loads(f.read(n)); base = 8 + n
def col(k):
    a, b = h[k]["data_offsets"]; f.seek(base + a); raw = f.read(b - a)
    return struct.unpack("<%df" % (len(raw) // 4), raw)
obs, rew, term, tout = col("observations"), col("rewards"), col("terminals"), col("timeouts")
S = h["observations"]["shape"][1]
best_s = best = -1e9; ret = 0; start = 0
for i in range(len(rew)):
    ret += rew[i]
    if term[i] or tout[i] or i + 1 == len(rew):
        best = max(best, ret)
        if obs[start * S] == 1.0: best_s = max(best_s, ret)  # one-hot cell 0 is the start S
        ret = 0; start = i + 1
print("%-40s %8.1f" % ("best dataset trajectory from S", best_s))
print("%-40s %8.1f" % ("best dataset trajectory (any start)", best))
PY
    for alg in dt edt bc; do
      summarise return "gridmaze $alg" $(for s in $SEEDS; do echo "$OUT/gridmaze-$s-$alg.eval.json"; done)
    done
  } | tee "$OUT/stitch.txt"
fi
