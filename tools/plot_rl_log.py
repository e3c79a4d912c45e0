#!/usr/bin/env python3
"""Plots one per-step series of `gr2 rl` logs (rl_log.jsonl) as an SVG line chart, one line per run.

Plain Python (no plotting library), so that docs figures can be remade anywhere:

    tools/plot_rl_log.py --key identity_copy_rate --title "Identity-copy rate" --out fig.svg \
        naive=work/rl_naive/rl_log.jsonl conditional=work/rl_conditional/rl_log.jsonl

--smooth N draws the running mean over the last N steps (the raw points stay as dots).
"""
import argparse
import json
import sys

COLORS = ["#C44E52", "#4C72B0", "#55A868", "#8172B3", "#DD8452"]


def read_series(path, key):
    steps, values = [], []
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{line_no}: not JSON ({e})")
            if key not in record:
                sys.exit(f"{path}:{line_no}: no key '{key}' (keys: {', '.join(sorted(record))})")
            steps.append(record.get("step", len(steps) + 1))
            values.append(float(record[key]))
    if not values:
        sys.exit(f"{path}: no records")
    return steps, values


def running_mean(values, n):
    out = []
    for i in range(len(values)):
        window = values[max(0, i - n + 1): i + 1]
        out.append(sum(window) / len(window))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="LABEL=PATH of an rl_log.jsonl")
    ap.add_argument("--key", required=True, help="the per-step field to plot, e.g. reward_mean")
    ap.add_argument("--title", default="")
    ap.add_argument("--out", required=True)
    ap.add_argument("--smooth", type=int, default=1)
    args = ap.parse_args()

    series = []
    for run in args.runs:
        if "=" not in run:
            sys.exit(f"'{run}': expected LABEL=PATH")
        label, path = run.split("=", 1)
        series.append((label, *read_series(path, args.key)))

    width, height, left, right, top, bottom = 640, 360, 60, 150, 40, 40
    all_steps = [s for _, steps, _ in series for s in steps]
    all_values = [v for _, _, values in series for v in values]
    x0, x1 = min(all_steps), max(all_steps)
    y0, y1 = min(0.0, min(all_values)), max(all_values)
    if y1 <= y0:
        y1 = y0 + 1.0
    pad = 0.05 * (y1 - y0)
    y0, y1 = y0 - (pad if y0 < 0 else 0), y1 + pad

    def px(step):
        return left + (step - x0) / max(1, x1 - x0) * (width - left - right)

    def py(value):
        return top + (1 - (value - y0) / (y1 - y0)) * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{args.title or args.key}</text>',
           f'<line x1="{left}" y1="{py(y0)}" x2="{width - right}" y2="{py(y0)}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>']
    digits = 2 if y1 - y0 >= 0.2 else 3 if y1 - y0 >= 0.02 else 4
    for i in range(5):
        v = y0 + (y1 - y0) * i / 4
        out.append(f'<text x="{left - 6}" y="{py(v) + 4}" text-anchor="end">{v:.{digits}f}</text>')
        out.append(f'<line x1="{left}" y1="{py(v)}" x2="{width - right}" y2="{py(v)}" stroke="#ddd"/>')
    out.append(f'<text x="{left}" y="{height - 15}">step {x0}</text>')
    out.append(f'<text x="{width - right}" y="{height - 15}" text-anchor="end">step {x1}</text>')
    for k, (label, steps, values) in enumerate(series):
        color = COLORS[k % len(COLORS)]
        for s, v in zip(steps, values):
            out.append(f'<circle cx="{px(s):.1f}" cy="{py(v):.1f}" r="2" fill="{color}" opacity="0.5"/>')
        line = running_mean(values, args.smooth)
        points = " ".join(f"{px(s):.1f},{py(v):.1f}" for s, v in zip(steps, line))
        out.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        y = top + 20 + 18 * k
        out.append(f'<line x1="{width - right + 8}" y1="{y - 4}" x2="{width - right + 28}" y2="{y - 4}" stroke="{color}" stroke-width="3"/>')
        out.append(f'<text x="{width - right + 34}" y="{y}" fill="{color}">{label}</text>')
    out.append("</svg>")
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
