#!/usr/bin/env python3
"""Golden values for tests/nn/megabyte_golden_test.cpp: an independent f64
PyTorch MEGABYTE written from the paper (Yu et al. 2023, Sec. 2), not from
weft's code.

The paper's model over a byte sequence s_0..s_T predicts s_j from s_<j:
    global input of patch 0 = a trainable pad [P·D_G]; of patch k ≥ 1 = the
    concatenated (E_G[s] + E_pos[position]) of patch k−1's bytes
    local input at (k, p) = gout_k[p·D_G:(p+1)·D_G] @ W_GL + (p == 0 ? local pad : E_L[s_{kP+p−1}])
    logits = LN(local(...)) @ E_L^T
Here the sequence is ids[0] followed by the targets (T + 1 bytes, padded to whole
patches); position 0 has no target, positions 1..T are scored against the targets.
Weights: w[i] = base + 0.1·sin(1.3·i + 0.7·(k + 1)) for the k-th parameter in
weft's order (base 1 for norm gains), Linear weights [in, out]. Blocks: pre-LN,
GELU (tanh) MLP ×4, biases, 1/√d_h attention scale, final LayerNorm per stack.

    /usr/bin/python3 scripts/gen_golden_megabyte.py > tests/golden/megabyte_tiny.json
"""
import json
import math

import torch

torch.set_default_dtype(torch.float64)
V, P, DG, HG, LG, DL, HL, LL, T, B = 11, 3, 4, 2, 2, 6, 2, 2, 7, 2
W = P * DG
order = []  # (name, shape, base) in weft's parameter order


def add(name, shape, base=0.0):
    order.append((name, shape, base))


def block_params(prefix, d, n):
    for l in range(n):
        p = f"{prefix}.{l}."
        add(p + "ln1.weight", (d,), 1.0); add(p + "ln1.bias", (d,))
        add(p + "attn.qkv.weight", (d, 3 * d)); add(p + "attn.qkv.bias", (3 * d,))
        add(p + "attn.proj.weight", (d, d)); add(p + "attn.proj.bias", (d,))
        add(p + "ln2.weight", (d,), 1.0); add(p + "ln2.bias", (d,))
        add(p + "mlp.fc.weight", (d, 4 * d)); add(p + "mlp.fc.bias", (4 * d,))
        add(p + "mlp.proj.weight", (4 * d, d)); add(p + "mlp.proj.bias", (d,))


add("local_pad", (DL,))
add("patch_embed.pad", (W,))  # a module's own parameters come before its children's
add("patch_embed.tok_emb.weight", (V, DG))
add("patch_embed.pos_emb.weight", (T, DG))
block_params("global", W, LG)
add("global_norm.weight", (W,), 1.0); add("global_norm.bias", (W,))
add("global_to_local.weight", (DG, DL))
add("local_emb.weight", (V, DL))
block_params("local", DL, LL)
add("local_norm.weight", (DL,), 1.0); add("local_norm.bias", (DL,))

ps = {}
for k, (n, s, base) in enumerate(order):
    vals = [base + 0.1 * math.sin(1.3 * i + 0.7 * (k + 1)) for i in range(math.prod(s))]
    ps[n] = torch.tensor(vals).reshape(s).requires_grad_(True)


def ln(x, w, b):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, 1e-5)


def decoder(x, prefix, d, h, n):  # x [N, L, d], causal pre-LN blocks
    N, L, _ = x.shape
    mask = torch.full((L, L), float("-inf")).triu(1)
    for l in range(n):
        p = f"{prefix}.{l}."
        y = ln(x, ps[p + "ln1.weight"], ps[p + "ln1.bias"])
        qkv = (y @ ps[p + "attn.qkv.weight"] + ps[p + "attn.qkv.bias"]).reshape(N, L, 3, h, d // h)
        q, k, v = (qkv[:, :, i].permute(0, 2, 1, 3) for i in range(3))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h) + mask, dim=-1) @ v
        x = x + a.permute(0, 2, 1, 3).reshape(N, L, d) @ ps[p + "attn.proj.weight"] + ps[p + "attn.proj.bias"]
        y = ln(x, ps[p + "ln2.weight"], ps[p + "ln2.bias"])
        m = torch.nn.functional.gelu(y @ ps[p + "mlp.fc.weight"] + ps[p + "mlp.fc.bias"], approximate="tanh")
        x = x + m @ ps[p + "mlp.proj.weight"] + ps[p + "mlp.proj.bias"]
    return x


ids = torch.tensor([[1, 5, 9, 2, 7, 3, 10], [3, 3, 10, 0, 4, 8, 6]])
tgt = torch.tensor([[5, 9, 2, 7, 3, 10, 4], [3, 10, 0, 4, 8, 6, 1]])
seq = torch.cat([ids[:, :1], tgt], dim=1)  # s_0..s_T
K = math.ceil((T + 1) / P)
s = torch.cat([seq, torch.zeros(B, K * P - (T + 1), dtype=torch.long)], dim=1)  # pad to whole patches
# Global: patch k ≥ 1 sees patch k−1's bytes with their absolute positions.
e = ps["patch_embed.tok_emb.weight"][s[:, : (K - 1) * P]] + ps["patch_embed.pos_emb.weight"][torch.arange((K - 1) * P)]
gin = torch.cat([ps["patch_embed.pad"].expand(B, 1, W), e.reshape(B, K - 1, W)], dim=1)
gout = ln(decoder(gin, "global", W, HG, LG), ps["global_norm.weight"], ps["global_norm.bias"])
# Local: one independent sequence per patch, shifted by one byte inside it.
u = gout.reshape(B, K, P, DG) @ ps["global_to_local.weight"]
sp = s.reshape(B, K, P)
prev = torch.cat([ps["local_pad"].expand(B, K, 1, DL), ps["local_emb.weight"][sp[:, :, : P - 1]]], dim=2)
lout = decoder((u + prev).reshape(B * K, P, DL), "local", DL, HL, LL)
logits_all = (ln(lout, ps["local_norm.weight"], ps["local_norm.bias"]) @ ps["local_emb.weight"].T).reshape(B, K * P, V)
logits = logits_all[:, 1 : T + 1]
loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))
loss.backward()

grad_names = ["patch_embed.tok_emb.weight", "patch_embed.pos_emb.weight", "patch_embed.pad", "global.0.attn.qkv.weight",
              "global_to_local.weight", "local_pad", "local_emb.weight", "local.1.mlp.proj.bias"]
print(json.dumps({
    "config": {"vocab": V, "patch": P, "d_g": DG, "global_heads": HG, "global_layers": LG, "d_local": DL,
               "local_heads": HL, "local_layers": LL, "seq_len": T, "batch": B},
    "ids": ids.tolist(), "targets": tgt.tolist(),
    "param_order": [n for n, _, _ in order],
    "param_base": [b for _, _, b in order],
    "loss": loss.item(),
    "logits": logits.reshape(-1).tolist(),
    "grads": {n: ps[n].grad.reshape(-1).tolist() for n in grad_names},
    "made_by": "scripts/gen_golden_megabyte.py with PyTorch " + torch.__version__ + " in float64",
}, indent=1))
