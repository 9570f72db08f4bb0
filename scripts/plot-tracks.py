#!/usr/bin/env python3
"""Plots bigWig tracks of tfbind-predict over a region, with variants marked: the README's picture.

  .venv/bin/python scripts/plot-tracks.py OUT.png CHROM:START-END TRACK.bw[=LABEL]... [--vcf FILE]

Values are read back with pyBigWig (bases without a value, N or off the DHS windows, are gaps).
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyBigWig  # noqa: E402


def main():
    args = sys.argv[1:]
    vcf = None
    if "--vcf" in args:
        i = args.index("--vcf")
        vcf = args[i + 1]
        del args[i : i + 2]
    out, region, tracks = args[0], args[1], args[2:]
    chrom, span = region.split(":")
    start, end = (int(x.replace(",", "")) for x in span.split("-"))
    variants = []
    if vcf:
        for line in open(vcf):
            if line.startswith("#"):
                continue
            c, pos, vid = line.split("\t")[:3]
            if c == chrom and start < int(pos) <= end:
                variants.append((int(pos) - 1, vid))
    fig, axes = plt.subplots(len(tracks), 1, figsize=(10, 1.9 * len(tracks)), sharex=True)
    axes = np.atleast_1d(axes)
    x = np.arange(start, end)
    for ax, track in zip(axes, tracks):
        path, _, label = track.partition("=")
        bw = pyBigWig.open(path)
        values = np.array(bw.values(chrom, start, end), dtype=float)
        label = label or path.rsplit("/", 1)[-1].removesuffix(".bw")
        ax.fill_between(x, np.nan_to_num(values), where=~np.isnan(values), step="mid",
                        color="tab:blue", alpha=0.6, linewidth=0)
        ax.plot(x, values, color="tab:blue", linewidth=0.8)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"{label}\nP(bound)")
        for pos, vid in variants:
            colour = "tab:red" if "_motif_" in vid else "tab:gray"
            ax.axvline(pos, color=colour, linewidth=1, linestyle="--")
        bw.close()
    # Labels of the motif-breaking SNVs only: a control sits tens of bases away, on top of it.
    for pos, vid in variants:
        if "_motif_" in vid:
            axes[0].annotate(vid, (pos, 1.0), xytext=(2, 2), textcoords="offset points",
                             fontsize=7, color="tab:red")
    axes[0].set_title("dashed: SNVs of data/example/variants.vcf (red: breaks a motif match, "
                      "grey: control)", fontsize=8, loc="left", pad=14)
    axes[-1].set_xlabel(f"{chrom} position (bp)")
    axes[-1].ticklabel_format(axis="x", style="plain", useOffset=False)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
