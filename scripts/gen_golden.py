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
SAS and cat_causal (tests/nn/variant_golden_test.cpp; writes the files itself):
    /usr/bin/python3 scripts/gen_golden.py variants
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


# ---- block variants: post_ln, deepnorm, magneto, macaron (the Magneto, DeepNet and Macaron papers) ----
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



# ---------------------------------------------------------------------------
# Golden values for tests/nn/variant_golden_test.cpp: the gpt model with `sas`
# blocks (the SAS paper) and with pre_ln blocks using `cat_causal` attention
# (§8), from independent f64 PyTorch implementations written from the spec (dense
# T×T matrices, no FFT). Same closed-form weights as above, with a per-parameter
# base stored in the file ("param_base"). `gen_golden.py variants` rewrites
# tests/golden/sas_tiny.json and tests/golden/cat_causal_tiny.json.
import os  # noqa: E402

def _variant_weights(order):
    """order: [(name, shape, base)] in weft's parameter order → dict of leaf tensors."""
    ps = {}
    for k, (n, s, base) in enumerate(order):
        vals = [base + 0.1 * math.sin(1.3 * i + 0.7 * (k + 1)) for i in range(math.prod(s))]
        ps[n] = torch.tensor(vals, dtype=torch.float64).reshape(s).requires_grad_(True)
    return ps


def _variant_golden(path, block, order, forward, grad_names):
    V_, D_, H_, L_, T_, B_ = 11, 8, 2, 2, 5, 2
    ps = _variant_weights(order)
    ids_ = torch.tensor([[1, 5, 9, 2, 7], [3, 3, 10, 0, 4]])
    tgt_ = torch.tensor([[5, 9, 2, 7, 6], [3, 10, 0, 4, 8]])
    x_ = ps["tok_emb.weight"][ids_] + ps["pos_emb.weight"][torch.arange(T_)]
    for l_ in range(L_):
        x_ = forward(ps, f"blocks.{l_}.", l_, x_, H_)
    x_ = torch.nn.functional.layer_norm(x_, (D_,), ps["ln_f.weight"], ps["ln_f.bias"], 1e-5)
    logits_ = x_ @ ps["tok_emb.weight"].T
    loss_ = torch.nn.functional.cross_entropy(logits_.reshape(-1, V_), tgt_.reshape(-1))
    loss_.backward()
    out_ = {
        "config": {"vocab": V_, "d_model": D_, "n_heads": H_, "n_layers": L_, "seq_len": T_, "batch": B_},
        "block": block,
        "ids": ids_.tolist(), "targets": tgt_.tolist(),
        "param_order": [n for n, _, _ in order],
        "param_base": [b for _, _, b in order],
        "loss": loss_.item(),
        "logits_first_row": logits_[0, 0].tolist(),
        "grads": {n: ps[n].grad.reshape(-1).tolist() for n in grad_names},
        "made_by": "scripts/gen_golden.py (_variant_golden) with PyTorch " + torch.__version__ + " in float64",
    }
    with open(path, "w") as f:
        json.dump(out_, f, indent=1)


def _heads(t, H_):  # [B, T, D] → [B, H, T, D/H]
    B_, T_, D_ = t.shape
    return t.reshape(B_, T_, H_, D_ // H_).permute(0, 2, 1, 3)


def _merge(t):  # [B, H, T, Dh] → [B, T, H·Dh]
    B_, H_, T_, Dh_ = t.shape
    return t.permute(0, 2, 1, 3).reshape(B_, T_, H_ * Dh_)


def sas_golden(path):
    """SAS block: a = β_SA·SA(N1 x), y = α_FF·a + β_FF·MLP(N2 a); RMSN = x/(rms+1e-5)·g;
    SA: A_h = α_h I + β_h softmax(mask(q kᵀ/√d_h)) − γ_h C, no value/output projections,
    block 0's values X(r·ΔW + s·I); MLP d→4d→d ReLU without biases."""
    D_, L_ = 8, 2
    order = [("tok_emb.weight", (11, D_), 0.0), ("pos_emb.weight", (5, D_), 0.0)]
    for l_ in range(L_):
        p = f"blocks.{l_}."
        order += [(p + "attn_gain", (1,), 1.0), (p + "mlp_gain", (1,), 0.1), (p + "skip_gain", (1,), 1.0),
                  (p + "ln1.weight", (D_,), 1.0),
                  (p + "attn.alpha", (2,), 1.0), (p + "attn.beta", (2,), 1.0), (p + "attn.gamma", (2,), 1.0)]
        if l_ == 0:
            order += [(p + "attn.value_delta", (D_, D_), 0.0), (p + "attn.value_r", (1,), 1.0),
                      (p + "attn.value_s", (1,), 1.0)]
        order += [(p + "attn.wq.weight", (D_, D_), 0.0), (p + "attn.wk.weight", (D_, D_), 0.0),
                  (p + "ln2.weight", (D_,), 1.0),
                  (p + "mlp.fc.weight", (D_, 4 * D_), 0.0), (p + "mlp.proj.weight", (4 * D_, D_), 0.0)]
    order += [("ln_f.weight", (D_,), 1.0), ("ln_f.bias", (D_,), 0.0)]

    def rmsn(t, g):
        return t / (t.pow(2).mean(-1, keepdim=True).sqrt() + 1e-5) * g

    def block(ps, p, l_, x_, H_):
        T_ = x_.shape[1]
        h = rmsn(x_, ps[p + "ln1.weight"])
        v = h
        if l_ == 0:
            v = h @ (ps[p + "attn.value_r"] * ps[p + "attn.value_delta"] + ps[p + "attn.value_s"] * torch.eye(x_.shape[2]))
        q, k, v = _heads(h @ ps[p + "attn.wq.weight"], H_), _heads(h @ ps[p + "attn.wk.weight"], H_), _heads(v, H_)
        mask = torch.full((T_, T_), float("-inf")).triu(1)
        S = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + mask, dim=-1)
        C = torch.tril(torch.ones(T_, T_)) / torch.arange(1, T_ + 1, dtype=torch.float64)[:, None]
        g = lambda n: ps[p + n].reshape(1, H_, 1, 1)
        A = g("attn.alpha") * torch.eye(T_) + g("attn.beta") * S - g("attn.gamma") * C
        a = ps[p + "attn_gain"] * _merge(A @ v)
        m = torch.relu(rmsn(a, ps[p + "ln2.weight"]) @ ps[p + "mlp.fc.weight"]) @ ps[p + "mlp.proj.weight"]
        return ps[p + "skip_gain"] * a + ps[p + "mlp_gain"] * m

    _variant_golden(path, {"type": "sas"}, order, block,
                    ["tok_emb.weight", "blocks.0.attn.alpha", "blocks.0.attn.beta", "blocks.0.attn.gamma",
                     "blocks.0.attn.wq.weight", "blocks.1.attn.wk.weight", "blocks.0.attn.value_delta",
                     "blocks.0.attn.value_r", "blocks.1.mlp_gain", "blocks.1.attn_gain", "blocks.0.skip_gain",
                     "blocks.1.ln2.weight", "blocks.0.mlp.fc.weight", "pos_emb.weight"])


def cat_causal_golden(path, cap=10.0):
    """pre_ln blocks with cat_causal attention: z = h W_A + b_A per head, ẑ = cap·tanh(z/cap),
    O_i = Σ_{k≤i} e^{ẑ_k} V_{i−k} / Σ_{k≤i} e^{ẑ_k} as a dense lower-triangular matrix,
    then W_O; LayerNorm, GELU (tanh) MLP with biases."""
    D_, L_, H_ = 8, 2, 2
    order = [("tok_emb.weight", (11, D_), 0.0), ("pos_emb.weight", (5, D_), 0.0)]
    for l_ in range(L_):
        p = f"blocks.{l_}."
        order += [(p + "ln1.weight", (D_,), 1.0), (p + "ln1.bias", (D_,), 0.0),
                  (p + "attn.wa.weight", (D_, H_), 0.0), (p + "attn.wa.bias", (H_,), 0.0),
                  (p + "attn.v.weight", (D_, D_), 0.0), (p + "attn.v.bias", (D_,), 0.0),
                  (p + "attn.proj.weight", (D_, D_), 0.0), (p + "attn.proj.bias", (D_,), 0.0),
                  (p + "ln2.weight", (D_,), 1.0), (p + "ln2.bias", (D_,), 0.0),
                  (p + "mlp.fc.weight", (D_, 4 * D_), 0.0), (p + "mlp.fc.bias", (4 * D_,), 0.0),
                  (p + "mlp.proj.weight", (4 * D_, D_), 0.0), (p + "mlp.proj.bias", (D_,), 0.0)]
    order += [("ln_f.weight", (D_,), 1.0), ("ln_f.bias", (D_,), 0.0)]

    def ln(t, ps, n):
        return torch.nn.functional.layer_norm(t, (D_,), ps[n + ".weight"], ps[n + ".bias"], 1e-5)

    def block(ps, p, l_, x_, H_):
        T_ = x_.shape[1]
        h = ln(x_, ps, p + "ln1")
        z = (h @ ps[p + "attn.wa.weight"] + ps[p + "attn.wa.bias"]).permute(0, 2, 1)  # [B, H, T]
        w = torch.exp(cap * torch.tanh(z / cap))
        i_, k_ = torch.arange(T_)[:, None], torch.arange(T_)[None, :]
        lag = (i_ - k_).clamp(min=0)  # M[i, j] = w_{i−j} for j ≤ i
        M = w[:, :, lag] * (k_ <= i_)
        M = M / M.sum(-1, keepdim=True)
        v = _heads(h @ ps[p + "attn.v.weight"] + ps[p + "attn.v.bias"], H_)
        x_ = x_ + _merge(M @ v) @ ps[p + "attn.proj.weight"] + ps[p + "attn.proj.bias"]
        h = ln(x_, ps, p + "ln2")
        m = torch.nn.functional.gelu(h @ ps[p + "mlp.fc.weight"] + ps[p + "mlp.fc.bias"], approximate="tanh")
        return x_ + m @ ps[p + "mlp.proj.weight"] + ps[p + "mlp.proj.bias"]

    _variant_golden(path, {"type": "pre_ln", "attn": {"type": "cat_causal", "z_cap": cap}}, order, block,
                    ["tok_emb.weight", "blocks.0.attn.wa.weight", "blocks.0.attn.wa.bias", "blocks.1.attn.wa.weight",
                     "blocks.0.attn.v.weight", "blocks.1.attn.proj.bias", "blocks.1.mlp.proj.bias", "pos_emb.weight"])


if __name__ == "__main__" and sys.argv[1:] == ["variants"]:
    _golden_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden")
    sas_golden(os.path.join(_golden_dir, "sas_tiny.json"))
    cat_causal_golden(os.path.join(_golden_dir, "cat_causal_tiny.json"))
