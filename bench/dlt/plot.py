"""Plots bench/results/summary.json as a PNG: throughput (rows/s, log scale) of every stage, initial load and
incremental run side by side. Runs with the dlt virtualenv's python (it has matplotlib).
    python bench/dlt/plot.py bench/results/summary.json bench/results/summary.png
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        summary = json.load(f)
    rows = summary["rows"]
    names = list(dict.fromkeys(r["name"] for r in rows))
    phases = ["initial", "incremental"]
    fig, axes = plt.subplots(1, 2, figsize=(14, 0.45 * len(names) + 1.5), sharey=True)
    for ax, phase in zip(axes, phases):
        by_name = {r["name"]: r for r in rows if r["phase"] == phase}
        values = [by_name[n]["rowsPerSecond"] if n in by_name else 0 for n in names]
        colors = [
            "#888888" if n.startswith("raw") else "#d62728" if n.startswith("dlt") else "#1f77b4"
            for n in names
        ]
        ax.barh(names, values, color=colors)
        ax.set_xscale("log")
        ax.set_title(f"{phase}: rows/s (log scale)")
        for y, v in enumerate(values):
            if v > 0:
                ax.text(v, y, f" {v:,.0f}", va="center", fontsize=8)
    axes[0].invert_yaxis()  # shared y: once puts the first stage on top
    total = sum(summary["sourceRows"].values())
    fig.suptitle(f"smelter vs dlt vs raw limits — {total:,} source rows, {summary['measuredAt']}")
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main()
