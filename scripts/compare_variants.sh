#!/usr/bin/env bash
# The paper-claim comparison of the block library (issue 5; the Magneto, DeepNet, Macaron and SAS papers, 8):
#   1. every registered block type (plus sas, sas_p and a cat_causal attention run
#      when those types are registered) trained with the same budget — same data,
#      steps, width, depth, batch — writing a table (parameters, tokens/s, final
#      validation bits/byte) and an SVG of validation bits/byte against step;
#   2. a depth-stress run: STRESS_LAYERS layers, no warm-up, a high learning rate,
#      where post-LN fails and DeepNorm/Magneto train (a divergence is recorded
#      as "diverged at step N", not an abort);
#   3. scripts/time_attention.sh, when it exists (softmax vs cat_causal, T = 1K..16K).
#
#   scripts/compare_variants.sh [OUT_DIR]        (default runs/compare_variants)
#
# Sized for about 15-30 minutes on 2 cores; every knob is an environment
# variable: STEPS, LR, D_MODEL, N_LAYERS, N_HEADS, SEQ_LEN, BATCH, STRESS_LAYERS,
# STRESS_D_MODEL, STRESS_BATCH, STRESS_STEPS, STRESS_LR, WEFT (the binary), STAGES
# ("main stress timing"), OMP_NUM_THREADS (2; on a machine shared with other
# jobs 1 is much faster, as OpenMP threads then wait on each other).
# Needs data/corpora/fortunes.txt (scripts/prepare_corpora.sh fortunes).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-runs/compare_variants}
WEFT=${WEFT:-build/weft}
STEPS=${STEPS:-300}
LR=${LR:-3e-3}
D_MODEL=${D_MODEL:-128}
N_LAYERS=${N_LAYERS:-6}
N_HEADS=${N_HEADS:-4}
SEQ_LEN=${SEQ_LEN:-64}
BATCH=${BATCH:-16}
STRESS_LAYERS=${STRESS_LAYERS:-48}
STRESS_D_MODEL=${STRESS_D_MODEL:-64}
STRESS_STEPS=${STRESS_STEPS:-300}
STRESS_BATCH=${STRESS_BATCH:-8}
STRESS_LR=${STRESS_LR:-1e-3}
STAGES=${STAGES:-main stress timing}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

[[ -x $WEFT ]] || { echo "compare_variants: $WEFT not found (build weft first)" >&2; exit 2; }
[[ -f data/corpora/fortunes.txt ]] || scripts/prepare_corpora.sh fortunes
mkdir -p "$OUT"

# Registered types, from `weft layers` (sections "block types" and "attention types").
LAYERS=$("$WEFT" layers)
registered() {  # registered SECTION NAME
  awk -v sec="$1" -v name="$2" '
    /^[a-z].* types \(/ { in_sec = index($0, sec " types") == 1; next }
    in_sec && $0 ~ "^  " name "( \\[bidirectional\\])?: " { found = 1 }
    END { exit !found }' <<<"$LAYERS"
}

# run NAME RECIPE [--set ...]: trains into OUT/NAME and appends a table row.
# Fields of the row: name, parameters, tokens/s (mean over logged steps after the
# first), final val bits/byte or "diverged at step N".
run() {
  local name=$1 recipe=$2
  shift 2
  local dir=$OUT/$name log=$OUT/$name.log rc=0
  rm -rf "$dir"
  echo "== $name: $WEFT train $recipe $*" >&2
  "$WEFT" train "$recipe" --run-dir "$dir" "$@" >"$log" 2>&1 || rc=$?
  local params result tps
  params=$(sed -n 's/.*(\([0-9]*\) parameters.*/\1/p' "$log" | head -1)
  tps=$(python3 - "$dir/metrics.jsonl" <<'PY'
import json, sys
try:
    r = [json.loads(l) for l in open(sys.argv[1])]
except FileNotFoundError:
    r = []
t = [x["tokens_per_s"] for x in r if x.get("kind") == "train"][1:]
print(f"{sum(t) / len(t):.0f}" if t else "-")
PY
)
  if [[ $rc -eq 0 ]]; then
    result=$(python3 - "$dir/metrics.jsonl" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
e = [x for x in e if x.get("kind") == "eval" and "bpb" in x]
print(f"{e[-1]['bpb']:.4f}" if e else "-")
PY
)
  elif grep -q "diverged at step" "$log"; then
    result="diverged at step $(sed -n 's/.*diverged at step \([0-9]*\).*/\1/p' "$log" | head -1)"
  else
    result="failed (exit $rc, see $log)"
  fi
  printf '| %s | %s | %s | %s |\n' "$name" "${params:--}" "$tps" "$result" >>"$TABLE"
}

table_header() {  # table_header FILE TITLE: starts a markdown table
  printf '%s\n\n| run | params | tok/s | final val bits/byte |\n|---|---|---|---|\n' "$2" >"$1"
}

plot() {  # plot SVG TITLE NAME...
  local svg=$1 title=$2
  shift 2
  local args=()
  for n in "$@"; do args+=("$n=$OUT/$n"); done
  python3 scripts/plot_val_curves.py "$svg" "$title" "${args[@]}"
}

recipe_for() {  # the variant's own recipe, else the pre-LN one (types set by --set)
  if [[ -f recipes/variants/$1.yaml ]]; then echo "recipes/variants/$1.yaml"; else echo recipes/variants/pre_ln.yaml; fi
}

# One learning rate and an untied output head for every run: a post-norm stack
# (post_ln, deepnorm) with the head tied to the input embedding stalls near the
# unigram loss at lr 3e-3 (in PyTorch too: scripts/post_ln_torch.py), untied it trains.
SHAPE=(--set model.tie_embeddings=false --set optim.lr=$LR --set model.d_model=$D_MODEL --set model.n_layers=$N_LAYERS --set model.n_heads=$N_HEADS
       --set model.seq_len=$SEQ_LEN --set train.batch=$BATCH --set train.steps=$STEPS
       --set train.log_every=$((STEPS / 16 > 0 ? STEPS / 16 : 1)) --set train.eval_every=$((STEPS / 8 > 0 ? STEPS / 8 : 1))
       --set train.eval_batches=20 --set train.ckpt_every=0 --set train.keep=1
       --set data.path=data/corpora/fortunes.txt)

if [[ " $STAGES " == *" main "* ]]; then
  TABLE=$OUT/table.md
  table_header "$TABLE" "Same budget: d_model $D_MODEL, $N_LAYERS layers, $N_HEADS heads, T $SEQ_LEN, batch $BATCH, $STEPS steps, fortunes bytes"
  names=()
  for b in pre_ln post_ln deepnorm magneto macaron sas sas_p; do
    registered block "$b" || { echo "($b is not registered: skipped)" >&2; continue; }
    run "$b" "$(recipe_for "$b")" --set model.block.type="$b" "${SHAPE[@]}"
    names+=("$b")
  done
  if registered attention cat_causal; then
    run pre_ln+cat_causal "$(recipe_for cat_causal)" --set model.block.attn.type=cat_causal "${SHAPE[@]}"
    names+=(pre_ln+cat_causal)
  fi
  plot "$OUT/val_bpb.svg" "val bits/byte, same budget ($N_LAYERS layers, d $D_MODEL, $STEPS steps)" "${names[@]}"
  cat "$TABLE"
  echo "SVG: $OUT/val_bpb.svg"
fi

if [[ " $STAGES " == *" stress "* ]]; then
  TABLE=$OUT/stress_table.md
  table_header "$TABLE" "Depth stress: $STRESS_LAYERS layers, d_model $STRESS_D_MODEL, batch $STRESS_BATCH, no warm-up, constant lr $STRESS_LR, $STRESS_STEPS steps"
  STRESS=("${SHAPE[@]}" --set model.n_layers=$STRESS_LAYERS --set model.d_model=$STRESS_D_MODEL
          --set model.n_heads=2 --set train.batch=$STRESS_BATCH --set train.steps=$STRESS_STEPS
          --set train.log_every=$((STRESS_STEPS / 10)) --set train.eval_every=$((STRESS_STEPS / 5))
          --set schedule.warmup=0 --set schedule.min_lr_ratio=1.0 --set optim.lr=$STRESS_LR)
  names=()
  for b in post_ln pre_ln deepnorm magneto; do
    run "deep_$b" "recipes/variants/$b.yaml" "${STRESS[@]}"
    names+=("deep_$b")
  done
  plot "$OUT/stress_val_bpb.svg" "depth stress: $STRESS_LAYERS layers, no warm-up, lr $STRESS_LR" "${names[@]}"
  cat "$TABLE"
  echo "SVG: $OUT/stress_val_bpb.svg"
fi

if [[ " $STAGES " == *" timing "* && -x scripts/time_attention.sh ]]; then
  scripts/time_attention.sh | tee "$OUT/time_attention.txt"
fi
