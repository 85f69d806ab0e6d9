#!/usr/bin/env bash
# Installs exactly what weft's build and tests need, from Debian packages.
# Idempotent: a fast no-op when everything is present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libopenblas-openmp-dev   # BLAS, OpenMP flavour: one thread pool shared with weft (f64 GEMMs)
  libdnnl-dev              # oneDNN: the f32 GEMMs, dispatched on the CPU's features (backend/cpu/blas.h)
  libfftw3-dev             # rfft/irfft, circular and causal convolutions
  libyaml-cpp-dev          # recipes
  libcli11-dev             # command line
  nlohmann-json3-dev       # safetensors headers, metrics.jsonl, state.json
  doctest-dev              # unit tests
  libbenchmark-dev         # micro-benchmarks (built, not run by ctest)
  libxxhash-dev            # checkpoint checksums
  libsleef-dev             # packed exp/log/tanh for the CPU kernels (backend/vector_math.h)
  libopenmpi-dev openmpi-bin  # data-parallel training and its tests (mpirun; weft/dist/)
  clang-14 libclang-rt-14-dev libomp-14-dev  # fuzz harnesses (libFuzzer; scripts/fuzz.sh)
)
# Extra packages for the comparison benchmarks only (scripts/bench_*.sh, scripts/gemm_study.sh).
if [[ "${WEFT_SETUP_BENCH:-0}" == "1" ]]; then
  PACKAGES+=(python3-torch libxsmm-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
