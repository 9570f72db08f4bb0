#!/usr/bin/env python3
"""Derives data/example/ (the demo data shipped in the repo) from the shared hg38 chr19-22 bundle.

Keeps chr21 and chr22: their full-length bgzip genome (real sequence in the DHS windows, N elsewhere),
their windows, the label matrix rows and per-TF narrowPeak files for those windows.
Run with the project's venv:  .venv/bin/python scripts/make-example-data.py [SHARED_BUNDLE] [OUT]
"""
import gzip
import os
import sys

import pysam

CHROMS = ("chr21", "chr22")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data", "hg38-dhs-chr19-22")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "data", "example")
    os.makedirs(os.path.join(out, "peaks"), exist_ok=True)

    fasta = pysam.FastaFile(os.path.join(src, "genome.fa.gz"))
    plain = os.path.join(out, "genome.fa")
    with open(plain, "w") as f:
        for chrom in CHROMS:
            seq = fasta.fetch(chrom)
            f.write(f">{chrom}\n")
            for i in range(0, len(seq), 60):
                f.write(seq[i : i + 60] + "\n")
    gz = plain + ".gz"
    pysam.tabix_compress(plain, gz, force=True)
    os.remove(plain)
    for index in (gz + ".fai", gz + ".gzi"):
        if os.path.exists(index):
            os.remove(index)
    pysam.faidx(gz)

    keep = []
    with gzip.open(os.path.join(src, "regions.bed.gz"), "rt") as f, gzip.open(
        os.path.join(out, "regions.bed.gz"), "wt"
    ) as g:
        for line in f:
            chrom = line.split("\t", 1)[0]
            keep.append(chrom in CHROMS)
            if chrom in CHROMS:
                g.write(line)
    with gzip.open(os.path.join(src, "labels.tsv.gz"), "rt") as f, gzip.open(
        os.path.join(out, "labels.tsv.gz"), "wt"
    ) as g:
        g.write(f.readline())
        for kept, line in zip(keep, f):
            if kept:
                g.write(line)
    for name in sorted(os.listdir(os.path.join(src, "peaks"))):
        with gzip.open(os.path.join(src, "peaks", name), "rt") as f, gzip.open(
            os.path.join(out, "peaks", name), "wt"
        ) as g:
            for line in f:
                if line.split("\t", 1)[0] in CHROMS:
                    g.write(line)


if __name__ == "__main__":
    main()
