#!/usr/bin/python3
"""PyTorch reference for a weft finding of issue 5: a post-LN GPT whose output
head is tied to the input embedding stalls near the unigram loss at lr 3e-3 and
trains at lr 1e-3 -- in PyTorch as in weft, so it is post-LN's dynamics, not a
weft bug.

    scripts/post_ln_torch.py LR tied|untied [--steps 400] [--seed 1]

Mirrors recipes/variants/post_ln.yaml at 400 steps: d_model 128, 6 layers,
4 heads, T 64, batch 16, GELU(tanh) MLP x4, learned positions, no final norm,
init N(0, 0.02) with the residual projections scaled by 1/sqrt(2L), AdamW
(0.9, 0.95, eps 1e-8, wd 0.1 on matrices), clip 1.0, warm-up 100 then cosine
to 0.1. Prints the training loss every 100 steps. Compare with
    build/weft train recipes/variants/post_ln.yaml --run-dir R \\
      --set model.tie_embeddings=true --set optim.lr=LR --set train.steps=400
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class PostLNBlock(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv, self.proj, self.ln1 = nn.Linear(d, 3 * d), nn.Linear(d, d), nn.LayerNorm(d)
        self.fc, self.fc2, self.ln2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d), nn.LayerNorm(d)

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        a = ((q @ k.transpose(-2, -1)) / math.sqrt(C // self.h)).masked_fill(mask[:T, :T], float("-inf"))
        x = self.ln1(x + self.proj((a.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)))
        return self.ln2(x + self.fc2(F.gelu(self.fc(x), approximate="tanh")))


class PostLNGPT(nn.Module):
    def __init__(self, d, layers, heads, T, tied):
        super().__init__()
        self.tok, self.pos = nn.Embedding(256, d), nn.Embedding(T, d)
        self.blocks = nn.ModuleList(PostLNBlock(d, heads) for _ in range(layers))
        self.head = None if tied else nn.Linear(d, 256, bias=False)
        self.register_buffer("mask", torch.triu(torch.ones(T, T, dtype=torch.bool), 1))
        for n, p in self.named_parameters():
            if p.dim() == 2:
                residual = n.endswith(("proj.weight", "fc2.weight"))
                nn.init.normal_(p, 0.0, 0.02 / (math.sqrt(2 * layers) if residual else 1.0))
            elif "ln" not in n:
                nn.init.zeros_(p)

    def forward(self, ids, targets):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for b in self.blocks:
            x = b(x, self.mask)
        logits = x @ self.tok.weight.t() if self.head is None else self.head(x)
        return F.cross_entropy(logits.reshape(-1, 256), targets.reshape(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lr", type=float)
    ap.add_argument("head", choices=["tied", "untied"])
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", default="data/corpora/fortunes.txt")
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    data = torch.frombuffer(bytearray(open(a.corpus, "rb").read()), dtype=torch.uint8).long()
    T, B, warmup = 64, 16, 100
    model = PostLNGPT(128, 6, 4, T, a.head == "tied")
    named = list(model.named_parameters())
    decay = [p for n, p in named if p.dim() == 2 and not n.startswith(("tok", "pos"))]
    rest = [p for n, p in named if not (p.dim() == 2 and not n.startswith(("tok", "pos")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    for it in range(1, a.steps + 1):
        t = (it - warmup) / max(1, a.steps - warmup)
        f = it / warmup if it <= warmup else 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t))
        for g in opt.param_groups:
            g["lr"] = a.lr * f
        starts = torch.randint(0, data.numel() - T - 1, (B,))
        w = torch.stack([data[s:s + T + 1] for s in starts.tolist()])
        loss = model(w[:, :-1], w[:, 1:])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if it % 100 == 0:
            print(f"lr {a.lr:g} {a.head} step {it} loss {loss.item():.4f} ({loss.item() / math.log(2):.3f} bits/byte)",
                  flush=True)


if __name__ == "__main__":
    main()
