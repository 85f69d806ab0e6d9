#!/usr/bin/python3
"""PyTorch twin of a weft bench recipe (scripts/bench_vs_torch.sh, issue 6).

Builds the architecture recipes/bench/*.yaml describe -- pre-LN GPT, fused qkv
projection with bias, GELU (tanh) MLP x4, learned positions, tied head, final
LayerNorm, vocab 256 -- trains it with AdamW (betas 0.9/0.95, eps 1e-8, wd 0.1
on matrices only), global-norm clipping 1.0, on random windows of the same byte
corpus, and prints one JSON line in the shape of `weft bench --json`.
Attention is the usual PyTorch 1.13 formulation: softmax(QK^T/sqrt(d_h) + mask)V.
"""
import argparse
import json
import math
import resource
import statistics
import sys
import time

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

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // self.h))
        att = att.masked_fill(mask[:T, :T], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, d, layers, heads, seq_len):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq_len, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("mask", torch.triu(torch.ones(seq_len, seq_len, dtype=torch.bool), 1))
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, ids, targets):
        T = ids.shape[1]
        x = self.tok(ids) + self.pos(torch.arange(T))
        for b in self.blocks:
            x = b(x, self.mask)
        logits = self.ln_f(x) @ self.tok.weight.t()
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="name=d,layers,heads,seq_len,batch")
    ap.add_argument("--corpus", default="data/corpora/fortunes.txt")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--foreach", action="store_true", help="multi-tensor AdamW")
    a = ap.parse_args()
    name, dims = a.config.split("=")
    d, layers, heads, T, B = (int(v) for v in dims.split(","))
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    data = torch.frombuffer(bytearray(open(a.corpus, "rb").read()), dtype=torch.uint8).long()
    model = GPT(256, d, layers, heads, T)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and not n.startswith(("tok", "pos"))]
    rest = [p for n, p in model.named_parameters() if not (p.dim() == 2 and not n.startswith(("tok", "pos")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=3e-3, betas=(0.9, 0.95), eps=1e-8, foreach=a.foreach)

    def step():
        starts = torch.randint(0, data.numel() - T - 1, (B,))
        w = torch.stack([data[s:s + T + 1] for s in starts.tolist()])
        loss = model(w[:, :-1], w[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    n_params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"config": name, "threads": a.threads, "params": n_params, "tokens_per_step": B * T,
                      "tokens_per_s": B * T / med,
                      "step_s": {"min": min(times), "median": med, "max": max(times)},
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))


if __name__ == "__main__":
    sys.exit(main())
