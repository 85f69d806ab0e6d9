#!/usr/bin/env python3
"""Golden values for tests/nn/gpt_golden_test.cpp, from an independent PyTorch
implementation of weft's `gpt` model with `pre_ln` blocks (f64).

Weights are a closed-form function of the parameter's position in weft's
parameter order, so both sides build identical models without sharing files:
    w[i] = base + 0.1 * sin(1.3 * i + 0.7 * (k + 1))   for the k-th parameter
with base = 1 for norm gains and 0 otherwise. Linear weights are [in, out]
(y = x W + b), as in weft.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/gen_golden.py > tests/golden/gpt_tiny.json
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)
V, D, H, L, T, B = 11, 8, 2, 2, 5, 2
names, shapes = [], []


def add(name, shape):
    names.append(name)
    shapes.append(shape)


add("tok_emb.weight", (V, D))
add("pos_emb.weight", (T, D))
for l in range(L):
    p = f"blocks.{l}."
    add(p + "ln1.weight", (D,)); add(p + "ln1.bias", (D,))
    add(p + "attn.qkv.weight", (D, 3 * D)); add(p + "attn.qkv.bias", (3 * D,))
    add(p + "attn.proj.weight", (D, D)); add(p + "attn.proj.bias", (D,))
    add(p + "ln2.weight", (D,)); add(p + "ln2.bias", (D,))
    add(p + "mlp.fc.weight", (D, 4 * D)); add(p + "mlp.fc.bias", (4 * D,))
    add(p + "mlp.proj.weight", (4 * D, D)); add(p + "mlp.proj.bias", (D,))
add("ln_f.weight", (D,)); add("ln_f.bias", (D,))

params = {}
for k, (n, s) in enumerate(zip(names, shapes)):
    base = 1.0 if n.endswith("ln1.weight") or n.endswith("ln2.weight") or n == "ln_f.weight" else 0.0
    numel = math.prod(s)
    vals = [base + 0.1 * math.sin(1.3 * i + 0.7 * (k + 1)) for i in range(numel)]
    params[n] = torch.tensor(vals).reshape(s).requires_grad_(True)

ids = torch.tensor([[1, 5, 9, 2, 7], [3, 3, 10, 0, 4]])
tgt = torch.tensor([[5, 9, 2, 7, 6], [3, 10, 0, 4, 8]])


def ln(x, w, b):
    return torch.nn.functional.layer_norm(x, (D,), w, b, 1e-5)


x = params["tok_emb.weight"][ids] + params["pos_emb.weight"][torch.arange(T)]
mask = torch.full((T, T), float("-inf")).triu(1)
for l in range(L):
    p = f"blocks.{l}."
    h = ln(x, params[p + "ln1.weight"], params[p + "ln1.bias"])
    qkv = (h @ params[p + "attn.qkv.weight"] + params[p + "attn.qkv.bias"]).reshape(B, T, 3, H, D // H)
    q, k, v = (qkv[:, :, i].permute(0, 2, 1, 3) for i in range(3))
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H) + mask, dim=-1) @ v
    att = att.permute(0, 2, 1, 3).reshape(B, T, D)
    x = x + att @ params[p + "attn.proj.weight"] + params[p + "attn.proj.bias"]
    h = ln(x, params[p + "ln2.weight"], params[p + "ln2.bias"])
    m = torch.nn.functional.gelu(h @ params[p + "mlp.fc.weight"] + params[p + "mlp.fc.bias"], approximate="tanh")
    x = x + m @ params[p + "mlp.proj.weight"] + params[p + "mlp.proj.bias"]
x = ln(x, params["ln_f.weight"], params["ln_f.bias"])
logits = x @ params["tok_emb.weight"].T
loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))
loss.backward()

out = {
    "config": {"vocab": V, "d_model": D, "n_heads": H, "n_layers": L, "seq_len": T, "batch": B},
    "ids": ids.tolist(), "targets": tgt.tolist(),
    "param_order": names,
    "loss": loss.item(),
    "logits_first_row": logits[0, 0].tolist(),
    "grads": {n: params[n].grad.reshape(-1).tolist() for n in
              ["tok_emb.weight", "blocks.0.attn.qkv.weight", "blocks.1.mlp.proj.bias", "blocks.1.ln2.weight",
               "ln_f.bias", "pos_emb.weight"]},
    "made_by": "scripts/gen_golden.py with PyTorch " + torch.__version__ + " in float64",
}
print(json.dumps(out, indent=1))
