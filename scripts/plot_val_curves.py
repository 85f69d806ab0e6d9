#!/usr/bin/env python3
"""SVG of validation bits/byte against step for several weft runs (standard
library only; used by scripts/compare_variants.sh).

    plot_val_curves.py OUT.svg TITLE NAME=RUN_DIR [NAME=RUN_DIR ...]

Reads each RUN_DIR/metrics.jsonl (eval records with "bpb"); a run with no eval
record (e.g. it diverged first) is listed in the legend without a curve.
"""
import json
import math
import sys
from html import escape

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
          "#bcbd22"]


def read_curve(run_dir):
    pts = []
    try:
        with open(f"{run_dir}/metrics.jsonl") as f:
            for line in f:
                r = json.loads(line)
                if r.get("kind") == "eval" and "bpb" in r and math.isfinite(r["bpb"]):
                    pts.append((r["step"], r["bpb"]))
    except FileNotFoundError:
        pass
    return pts


def main():
    out, title, runs = sys.argv[1], sys.argv[2], [a.split("=", 1) for a in sys.argv[3:]]
    curves = [(name, read_curve(d)) for name, d in runs]
    pts = [p for _, c in curves for p in c]
    W, H, L, R, T, B = 760, 440, 60, 170, 40, 50
    x_max = max([p[0] for p in pts] + [1])
    ys = [p[1] for p in pts] or [0.0, 1.0]
    y_lo, y_hi = min(ys), max(ys)
    if y_hi - y_lo < 1e-9:
        y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
    pad = 0.05 * (y_hi - y_lo)
    y_lo, y_hi = y_lo - pad, y_hi + pad
    sx = lambda x: L + (W - L - R) * x / x_max
    sy = lambda y: T + (H - T - B) * (1 - (y - y_lo) / (y_hi - y_lo))
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
         f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
         f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
         f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">step</text>',
         f'<text x="16" y="{(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 {(T + H - B) / 2})">'
         'val bits/byte</text>']
    for i in range(6):
        y = y_lo + (y_hi - y_lo) * i / 5
        s.append(f'<line x1="{L - 4}" y1="{sy(y):.1f}" x2="{W - R}" y2="{sy(y):.1f}" stroke="#ddd"/>')
        s.append(f'<text x="{L - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.2f}</text>')
        x = x_max * i / 5
        s.append(f'<text x="{sx(x):.1f}" y="{H - B + 16}" text-anchor="middle">{x:.0f}</text>')
    for k, (name, c) in enumerate(curves):
        col = COLORS[k % len(COLORS)]
        if c:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in c)
            s.append(f'<polyline fill="none" stroke="{col}" stroke-width="2" points="{path}"/>')
        ly = T + 10 + 18 * k
        s.append(f'<line x1="{W - R + 10}" y1="{ly}" x2="{W - R + 30}" y2="{ly}" stroke="{col}" stroke-width="2"/>')
        label = name if c else name + " (no eval)"
        s.append(f'<text x="{W - R + 35}" y="{ly + 4}">{escape(label)}</text>')
    s.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(s) + "\n")


if __name__ == "__main__":
    main()
