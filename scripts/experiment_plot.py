"""Plot of the transfer-learning experiment (scripts/experiment.sh): median test AUPRC against
the number of training positives, one line per condition; over all targets, then per target.
A dashed line marks chance: the AUPRC of a random ranking, the test set's fraction of positives.

Usage: experiment_plot.py SUMMARY_TSV PER_TARGET_TSV RESULTS_TSV OUT_PNG
(summary: condition size runs median_auprc; per target: target condition size runs median_auprc;
results: one row per model, with test_positives and test_negatives)
"""

import csv
import statistics
import sys

import matplotlib

matplotlib.use("Agg")  # files only: CI and Slurm nodes have no display
import matplotlib.pyplot as plt  # noqa: E402

# Fixed colours and order, so plots of different runs compare at a glance.
STYLE = {
    "scratch": ("#7f7f7f", "scratch"),
    "tf50": ("#1f77b4", "50-TF model"),
    "cobinding": ("#d62728", "5 co-bound TFs"),
    "random": ("#2ca02c", "5 random TFs"),
}


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def draw(ax, rows, title, chance):
    for condition, (colour, label) in STYLE.items():
        points = sorted(
            (int(r["size"]), float(r["median_auprc"]))
            for r in rows
            if r["condition"] == condition and r["median_auprc"] != "NA"
        )
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker="o", color=colour, label=label)
    ax.axhline(chance, color="black", linestyle="--", linewidth=0.8, label="chance")
    ax.set_xscale("log")
    sizes = sorted({int(r["size"]) for r in rows})
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(s) for s in sizes])
    ax.minorticks_off()
    ax.set_title(title)
    ax.set_xlabel("training positives")
    ax.set_ylabel("median test AUPRC")
    ax.grid(alpha=0.3)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    summary, per_target, results, png = sys.argv[1:]
    overall = read(summary)
    by_target = read(per_target)
    # Every model of a target is measured on the same test windows: one fraction per target.
    chance = {
        r["target"]: int(r["test_positives"])
        / (int(r["test_positives"]) + int(r["test_negatives"]))
        for r in read(results)
    }
    targets = list(dict.fromkeys(r["target"] for r in by_target))
    cols = min(4, len(targets) + 1)
    rows = -(-(len(targets) + 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.4 * rows), squeeze=False)
    flat = axes.ravel()
    draw(flat[0], overall, "all targets", statistics.median(chance.values()))
    flat[0].legend(fontsize=8)
    for ax, target in zip(flat[1:], targets):
        draw(ax, [r for r in by_target if r["target"] == target], target, chance[target])
    for ax in flat[len(targets) + 1 :]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main()
