#!/usr/bin/env python3
"""PyTorch reference for the core benchmark: unfused causal attention
softmax(QK^T/sqrt(d) + mask) V, forward + backward, at B=1 H=8 T=1024 d=64.
Prints one JSON line: {"ms_median": .., "ms_min": .., "peak_extra_mb": ..}.
Run with the OpenMP OpenBLAS (scripts/bench_core.sh sets LD_LIBRARY_PATH)."""
import json
import resource
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)
B, H, T, D = 1, 8, 1024, 64
q = torch.randn(B, H, T, D, requires_grad=True)
k = torch.randn(B, H, T, D, requires_grad=True)
v = torch.randn(B, H, T, D, requires_grad=True)
mask = torch.full((T, T), float("-inf")).triu(1)
go = torch.ones(B, H, T, D)


def step():
    s = q @ k.transpose(-1, -2) / D**0.5 + mask
    o = torch.softmax(s, dim=-1) @ v
    o.backward(go)
    q.grad = k.grad = v.grad = None


for _ in range(3):
    step()
times = []
for _ in range(20):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"ms_median": statistics.median(times), "ms_min": min(times),
                  "torch": torch.__version__, "threads": threads}))
