#!/usr/bin/env bash
# Core micro-benchmarks (the tensor-core issue's performance figures), 2 threads:
#  - weft matmul vs raw OpenBLAS sgemm at a linear layer's three shapes
#  - layer_norm / softmax / gelu forward+backward GB/s vs memcpy bandwidth
#  - fused causal attention fwd+bwd vs PyTorch's unfused attention (B1 H8 T1024 d64)
#  - system allocations per steady-state step
# Usage: scripts/bench_core.sh [threads]     (needs python3-torch for the last comparison)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${1:-2}"
WEFT_SETUP_BENCH=1 scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target weft_bench >/dev/null
out=$(mktemp)
OMP_NUM_THREADS=$THREADS ./build/weft_bench --benchmark_format=json --benchmark_min_time=1 >"$out"
torch_json=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=$THREADS \
  /usr/bin/python3 scripts/bench_torch_attention.py "$THREADS" 2>/dev/null || echo '{}')
python3 - "$out" "$torch_json" <<'PY'
import json, sys
data = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
torch = json.loads(sys.argv[2])
def t(name): return data[name]["real_time"]
shapes = ["y = x W      M4096 K512  N2048", "dx = dy Wᵀ   M4096 K2048 N512 ", "dW = xᵀ dy   M512  K4096 N2048"]
print("matmul (f32)                         weft ms   sgemm ms   weft/sgemm")
for i, s in enumerate(shapes):
    w, r = t(f"BM_matmul_weft/{i}/real_time"), t(f"BM_sgemm_openblas/{i}/real_time")
    print(f"  {s}     {w:7.2f}   {r:8.2f}   {100*r/w:6.1f}%")
mem = data["BM_memcpy/real_time"]["bytes_per_second"] / 1e9
print(f"memcpy bandwidth (read+write): {mem:.1f} GB/s")
for k in ["layer_norm", "softmax", "gelu"]:
    b = data[f"BM_{k}_fwd_bwd/real_time"]["bytes_per_second"] / 1e9
    print(f"  {k:<11} fwd+bwd: {b:6.1f} GB/s = {100*b/mem:5.1f}% of memcpy")
a = t("BM_causal_attention_fwd_bwd/1024/real_time")
line = f"causal attention fwd+bwd B1 H8 T1024 d64: weft {a:.1f} ms"
if "ms_median" in torch:
    line += f", PyTorch {torch['torch']} unfused {torch['ms_median']:.1f} ms (median) -> weft is {torch['ms_median']/a:.2f}x faster"
print(line)
print(f"  weft attention peak extra memory: {data['BM_causal_attention_fwd_bwd/1024/real_time']['peak_MB']:.1f} MB")
print(f"system allocations per steady-state step: {data['BM_steady_state_mallocs/real_time']['system_allocs_per_step']:.0f}")
PY
rm -f "$out"
