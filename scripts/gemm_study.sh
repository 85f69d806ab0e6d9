#!/usr/bin/env bash
# The small-model GEMM study of issue 15: which library computes the GEMMs of one
# training step fastest, on this machine's ISA and on AVX2.
#
#   scripts/gemm_study.sh [--recipe recipes/bench/tiny.yaml] [--threads "2 1"] [--isa "native avx2"]
#
# Records every f32 GEMM call (cblas_sgemm or dnnl_sgemm) of one `weft bench`
# step (an LD_PRELOAD shim, tests/bench/gemm_study/sgemm_trace.c), then replays
# exactly those calls through OpenBLAS, libxsmm (JIT small GEMMs) and oneDNN
# (dnnl_sgemm) and prints, per call signature and per step, the microseconds each
# library needs; results are checked against OpenBLAS first, so a fast wrong
# kernel shows as WRONG. OPENBLAS_CORETYPE in the environment is passed on (e.g.
# SkylakeX, to see OpenBLAS's AVX-512 kernels on a CPU it does not recognise).
# --isa avx2 builds the replay for x86-64-v3 and holds every library to AVX2
# (OPENBLAS_CORETYPE=Haswell, LIBXSMM_TARGET=hsw, ONEDNN_MAX_CPU_ISA=AVX2). Needs
# build/weft and WEFT_SETUP_BENCH=1 scripts/setup.sh (libxsmm-dev). Not part of weft.
set -euo pipefail
cd "$(dirname "$0")/.."

recipe=recipes/bench/tiny.yaml
threads_list="2 1"
isas="native avx2"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --recipe) recipe="$2"; shift 2 ;;
    --threads) threads_list="$2"; shift 2 ;;
    --isa) isas="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "gemm_study.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -x build/weft ]] || { echo "gemm_study.sh: build/weft not found; build first (scripts/quickstart.sh or cmake)" >&2; exit 1; }
for h in libxsmm.h oneapi/dnnl/dnnl.h; do
  [[ -f /usr/include/$h ]] || { echo "gemm_study.sh: /usr/include/$h missing (WEFT_SETUP_BENCH=1 scripts/setup.sh)" >&2; exit 1; }
done
[[ -f data/corpora/fortunes.txt ]] || scripts/prepare_corpora.sh fortunes

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=tests/bench/gemm_study
gcc -O2 -shared -fPIC -fopenmp -o "$work/sgemm_trace.so" "$src/sgemm_trace.c" -ldl
# One warm-up step would double the counts; the trace holds one step (plus the
# bench's square sgemm-peak probe, which the replay drops).
WEFT_GEMM_TRACE="$work/trace.txt" LD_PRELOAD="$work/sgemm_trace.so" OMP_NUM_THREADS=2 \
  build/weft bench "$recipe" --steps 1 --warmup 0 >/dev/null
echo "recipe: $recipe; $(wc -l <"$work/trace.txt") f32 GEMM calls recorded (one step + the peak probe)"

for isa in $isas; do
  case "$isa" in
    native) march=native; env_isa=() ;;
    avx2) march=x86-64-v3; env_isa=(OPENBLAS_CORETYPE=Haswell LIBXSMM_TARGET=hsw ONEDNN_MAX_CPU_ISA=AVX2) ;;
    *) echo "gemm_study.sh: --isa takes native and/or avx2, not '$isa'" >&2; exit 2 ;;
  esac
  g++ -std=c++20 -O2 -march=$march -fopenmp -o "$work/replay_$isa" "$src/gemm_replay.cpp" \
    -lxsmm -lopenblas -ldnnl -ldl -lm
  for t in $threads_list; do
    echo
    echo "## isa $isa (-march=$march${env_isa:+, ${env_isa[*]}}), $t thread(s)"
    env ${env_isa[@]+"${env_isa[@]}"} OMP_NUM_THREADS=$t "$work/replay_$isa" "$work/trace.txt" 1 "$t"
  done
done
