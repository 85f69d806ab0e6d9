#!/usr/bin/python3
"""PyTorch twin of recipes/bench/gpt2_124m.yaml on a GPU (scripts/gpu_check.sh, issue 14).

Pre-LN GPT (fused qkv with bias, GELU-tanh MLP x4, learned positions, tied head,
final LayerNorm, vocab 256), AdamW (0.9/0.95, eps 1e-8, wd 0.1 on matrices),
global-norm clipping 1.0, random windows of a byte corpus. Attention is
F.scaled_dot_product_attention(is_causal=True); --bf16 runs the forward under
torch.autocast(bfloat16) with f32 master weights; --compile wraps the model in
torch.compile. MFU is against a bf16 (or f32) matmul peak measured now, on this
GPU. Prints one JSON line in the shape of `weft bench --json`.
--dry-run prints the configuration without importing torch.
"""
import argparse
import json
import math
import statistics
import sys
import time


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--corpus", default="data/corpora/fortunes.txt")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--bf16", action="store_true")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dry-run", action="store_true")
    return ap.parse_args()


def main():
    a = parse()
    if a.dry_run:
        print(json.dumps({"dry_run": True, **vars(a)}))
        return 0
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.h = h
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.attn_proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.fc = nn.Linear(d, 4 * d)
            self.mlp_proj = nn.Linear(4 * d, d)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
            x = x + self.attn_proj(y)
            return x + self.mlp_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn.Module):
        def __init__(self, vocab, d, layers, heads, seq_len):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(seq_len, d)
            self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
            self.ln_f = nn.LayerNorm(d)
            for p in self.parameters():
                if p.dim() == 2:
                    nn.init.normal_(p, 0.0, 0.02)

        def forward(self, ids, targets):
            T = ids.shape[1]
            x = self.tok(ids) + self.pos(torch.arange(T, device=ids.device))
            for b in self.blocks:
                x = b(x)
            logits = self.ln_f(x) @ self.tok.weight.t()
            return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.reshape(-1))

    dev = torch.device(a.device)
    torch.manual_seed(1)
    try:
        raw = open(a.corpus, "rb").read()
    except OSError:
        raw = bytes(range(256)) * 40000  # throughput only: any bytes will do
    data = torch.frombuffer(bytearray(raw), dtype=torch.uint8).long().to(dev)
    model = GPT(256, a.d, a.layers, a.heads, a.seq).to(dev)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and not n.startswith(("tok", "pos"))]
    rest = [p for n, p in model.named_parameters() if not (p.dim() == 2 and not n.startswith(("tok", "pos")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=3e-3, betas=(0.9, 0.95), eps=1e-8, fused=dev.type == "cuda")
    run = torch.compile(model) if a.compile else model
    B, T = a.batch, a.seq

    def step():
        starts = torch.randint(0, data.numel() - T - 1, (B,), device=dev)
        idx = starts[:, None] + torch.arange(T + 1, device=dev)[None, :]
        w = data[idx]
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
            loss = run(w[:, :-1], w[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(a.warmup):
        step()
    sync()
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)

    # Matmul peak now, on this device, in the compute dtype.
    n = 8192
    dt = torch.bfloat16 if a.bf16 else torch.float32
    x = torch.randn(n, n, device=dev, dtype=dt)
    y = torch.randn(n, n, device=dev, dtype=dt)
    for _ in range(3):
        x @ y
    sync()
    best = 1e30
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            x @ y
        sync()
        best = min(best, (time.perf_counter() - t0) / 10)
    peak = 2.0 * n ** 3 / best

    n_params = sum(p.numel() for p in model.parameters())
    n_emb = model.pos.weight.numel()
    # 6N per token for the matmuls (tied head counted once via tok) + 12·L·d·T attention.
    flops_per_token = 6 * (n_params - n_emb) + 12 * a.layers * a.d * T
    tok_s = B * T / med
    print(json.dumps({"config": "gpt2_124m", "device": str(dev), "bf16": a.bf16, "compile": a.compile,
                      "params": n_params, "tokens_per_step": B * T, "tokens_per_s": tok_s,
                      "step_s": {"min": min(times), "median": med, "max": max(times)},
                      "flops_per_token": flops_per_token, "matmul_peak_tflops": peak / 1e12,
                      "mfu": tok_s * flops_per_token / peak,
                      "peak_mem_gb": (torch.cuda.max_memory_allocated() / 1e9) if dev.type == "cuda" else None,
                      "torch": torch.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
