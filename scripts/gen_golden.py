#!/usr/bin/env python3
"""Golden values for tests/nn/gpt_golden_test.cpp, from an independent PyTorch
implementation of weft's `gpt` model with `pre_ln` blocks (f64).

Weights are a closed-form function of the parameter's position in weft's
parameter order, so both sides build identical models without sharing files:
    w[i] = base + 0.1 * sin(1.3 * i + 0.7 * (k + 1))   for the k-th parameter
with base = 1 for norm gains and 0 otherwise. Linear weights are [in, out]
(y = x W + b), as in weft.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/gen_golden.py > tests/golden/gpt_tiny.json
Block variants (tests/nn/block_golden_test.cpp):
    /usr/bin/python3 scripts/gen_golden.py blocks > tests/golden/blocks_tiny.json
"""
import json
import math
import sys

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
if __name__ == "__main__" and len(sys.argv) == 1:
    print(json.dumps(out, indent=1))


# ---- block variants: post_ln, deepnorm, magneto, macaron (variants.md §1-3) ----
# The same tiny gpt with each block type, written from the papers' equations
# (not from weft's code), weights by the same closed form; norm gains (every
# `*ln*.weight` and `*inner_norm.weight`) start at 1.
def golden_blocks():
    F = torch.nn.functional
    V, D, H, L, T, B = 11, 8, 2, 2, 5, 2
    ids = torch.tensor([[1, 5, 9, 2, 7], [3, 3, 10, 0, 4]])
    tgt = torch.tensor([[5, 9, 2, 7, 6], [3, 10, 0, 4, 8]])
    mask = torch.full((T, T), float("-inf")).triu(1)

    def block_layout(kind):
        """(name, shape) of one block's parameters, in weft's registration order."""
        lin = lambda n, i, o: [(n + ".weight", (i, o)), (n + ".bias", (o,))]
        norm = lambda n, w: [(n + ".weight", (w,)), (n + ".bias", (w,))]
        mlp = lambda n, h, inner: lin(n + ".fc", D, h) + (norm(n + ".inner_norm", h) if inner else []) + lin(n + ".proj", h, D)
        attn = lambda inner: lin("attn.qkv", D, 3 * D) + (norm("attn.inner_norm", D) if inner else []) + lin("attn.proj", D, D)
        if kind == "magneto":
            return norm("ln1", D) + attn(True) + norm("ln2", D) + mlp("mlp", 4 * D, True)
        if kind in ("post_ln", "deepnorm"):
            return attn(False) + norm("ln1", D) + mlp("mlp", 4 * D, False) + norm("ln2", D)
        if kind == "macaron":
            return norm("ln1", D) + mlp("ffn1", 2 * D, False) + norm("ln2", D) + attn(False) + norm("ln3", D) + mlp("ffn2", 2 * D, False)
        raise ValueError(kind)

    def build(kind):
        layout = [("tok_emb.weight", (V, D)), ("pos_emb.weight", (T, D))]
        for l in range(L):
            layout += [(f"blocks.{l}.{n}", s) for n, s in block_layout(kind)]
        if kind in ("magneto", "macaron"):  # pre-norm stacks end with a final LN; post-norm ones do not
            layout += [("ln_f.weight", (D,)), ("ln_f.bias", (D,))]
        params = {}
        for k, (n, s) in enumerate(layout):
            gain = n.endswith(".weight") and (".ln" in n or n.startswith("ln_f") or "inner_norm" in n)
            vals = [(1.0 if gain else 0.0) + 0.1 * math.sin(1.3 * i + 0.7 * (k + 1)) for i in range(math.prod(s))]
            params[n] = torch.tensor(vals).reshape(s).requires_grad_(True)
        return [n for n, _ in layout], params

    def forward(kind, P):
        ln = lambda x, p: F.layer_norm(x, (x.shape[-1],), P[p + ".weight"], P[p + ".bias"], 1e-5)
        lin = lambda x, p: x @ P[p + ".weight"] + P[p + ".bias"]

        def attention(x, p, inner):
            qkv = lin(x, p + "attn.qkv").reshape(B, T, 3, H, D // H)
            q, k, v = (qkv[:, :, i].permute(0, 2, 1, 3) for i in range(3))
            o = (torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H) + mask, dim=-1) @ v)
            o = o.permute(0, 2, 1, 3).reshape(B, T, D)
            if inner:  # Magneto Sub-LN: LN on the merged heads before the output projection
                o = ln(o, p + "attn.inner_norm")
            return lin(o, p + "attn.proj")

        def ffn(x, p, act, inner):
            h = act(lin(x, p + ".fc"))
            if inner:  # Magneto Sub-LN over d_ff before fc2
                h = ln(h, p + ".inner_norm")
            return lin(h, p + ".proj")

        gelu = lambda z: F.gelu(z, approximate="tanh")
        x = P["tok_emb.weight"][ids] + P["pos_emb.weight"][torch.arange(T)]
        alpha = (2 * L) ** 0.25  # DeepNet decoder-only skip weight (2M)^(1/4)
        for l in range(L):
            p = f"blocks.{l}."
            if kind == "magneto":
                x = x + attention(ln(x, p + "ln1"), p, True)
                x = x + ffn(ln(x, p + "ln2"), p + "mlp", gelu, True)
            elif kind in ("post_ln", "deepnorm"):
                a = alpha if kind == "deepnorm" else 1.0
                x = ln(a * x + attention(x, p, False), p + "ln1")
                x = ln(a * x + ffn(x, p + "mlp", gelu, False), p + "ln2")
            else:  # macaron, pre-LN form, ReLU, half steps on the FFNs
                x = x + 0.5 * ffn(ln(x, p + "ln1"), p + "ffn1", torch.relu, False)
                x = x + attention(ln(x, p + "ln2"), p, False)
                x = x + 0.5 * ffn(ln(x, p + "ln3"), p + "ffn2", torch.relu, False)
        if "ln_f.weight" in P:
            x = ln(x, "ln_f")
        return x @ P["tok_emb.weight"].T

    out = {"config": {"vocab": V, "d_model": D, "n_heads": H, "n_layers": L, "seq_len": T, "batch": B},
           "ids": ids.tolist(), "targets": tgt.tolist(), "blocks": {},
           "made_by": "scripts/gen_golden.py blocks with PyTorch " + torch.__version__ + " in float64"}
    for kind in ("post_ln", "deepnorm", "magneto", "macaron"):
        names, P = build(kind)
        logits = forward(kind, P)
        loss = F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))
        loss.backward()
        picked = ["tok_emb.weight", "blocks.0.attn.qkv.weight", "blocks.1.attn.proj.bias"] + \
            [n for n in names if "inner_norm" in n or "ffn1" in n or n.endswith("ln2.weight")]
        out["blocks"][kind] = {"param_order": names, "loss": loss.item(), "logits_first_row": logits[0, 0].tolist(),
                               "grads": {n: P[n].grad.reshape(-1).tolist() for n in picked}}
    return out


if __name__ == "__main__" and sys.argv[1:] == ["blocks"]:
    print(json.dumps(golden_blocks(), indent=1))
