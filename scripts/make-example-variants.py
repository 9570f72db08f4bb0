#!/usr/bin/env python3
"""Writes data/example/variants.vcf: SNVs in windows of the example data bound by the demo's target
TFs, half of them breaking a match of the TF's motif, half (the controls) in the same windows at
least 30 bp from any match. Scored by the demo's fine-tuned models (`make demo`, `make variants`),
the motif hits should stand out.

Motifs are the consensus cores of the JASPAR profiles: forkhead TGTTTAC (FOXA2, MA0047) and AP-1
TGA[CG]TCA (JUNB, MA0490). The broken base is one the profiles hold near-invariant.
Run with the project's venv:  .venv/bin/python scripts/make-example-variants.py [DATA_DIR] [N]
"""
import gzip
import os
import re
import sys

import pysam

# TF: (motif core, offset of the base to break in the forward match, its replacement)
MOTIFS = {
    "FOXA2": ("TGTTTAC", 4, "G"),
    "JUNB": ("TGA[CG]TCA", 2, "C"),
}
COMPLEMENT = str.maketrans("ACGT[]", "TGCA][")
TRANSITION = {"A": "G", "G": "A", "C": "T", "T": "C"}


def revcomp(pattern):
    return pattern.translate(COMPLEMENT)[::-1]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "data", "example")
    per_tf = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    fasta = pysam.FastaFile(os.path.join(data, "genome.fa.gz"))
    with gzip.open(os.path.join(data, "regions.bed.gz"), "rt") as f:
        windows = [line.split("\t")[:3] for line in f]
    with gzip.open(os.path.join(data, "labels.tsv.gz"), "rt") as f:
        header = f.readline().rstrip("\n").split("\t")
        columns = {tf: header.index(tf) for tf in MOTIFS}
        bound = {tf: [] for tf in MOTIFS}
        for i, line in enumerate(f):
            fields = line.rstrip("\n").split("\t")
            for tf, c in columns.items():
                if fields[c] == "1":
                    bound[tf].append(i)

    records = []
    for tf, (core, offset, new) in MOTIFS.items():
        width = len(re.sub(r"\[..\]", "N", core))
        made = 0
        for i in bound[tf]:
            chrom, start, end = windows[i][0], int(windows[i][1]), int(windows[i][2])
            seq = fasta.fetch(chrom, start, end).upper()
            forward = [(m.start(), +1) for m in re.finditer(core, seq)]
            reverse = [(m.start(), -1) for m in re.finditer(revcomp(core), seq)]
            hits = sorted(forward + reverse)
            central = [h for h in hits if abs(h[0] + width / 2 - len(seq) / 2) <= 40]
            if not central:
                continue
            at, strand = central[0]
            # The broken base, on the forward strand of the genome.
            pos = at + offset if strand > 0 else at + width - 1 - offset
            alt = new if strand > 0 else new.translate(COMPLEMENT)
            far = [p for p in range(5, len(seq) - 5)
                   if all(abs(p - (h + width / 2)) >= 30 for h, _ in hits) and seq[p] in TRANSITION]
            if seq[pos] == alt or not far:
                continue
            control = far[len(far) // 2]
            name = f"w{i}"
            records.append((chrom, start + pos + 1, f"{tf}_motif_{name}", seq[pos], alt))
            records.append((chrom, start + control + 1, f"{tf}_flank_{name}", seq[control],
                            TRANSITION[seq[control]]))
            made += 1
            if made == per_tf:
                break
    order = {c: k for k, c in enumerate(fasta.references)}
    records.sort(key=lambda r: (order[r[0]], r[1]))
    out = os.path.join(data, "variants.vcf")
    with open(out, "w") as f:
        f.write("##fileformat=VCFv4.2\n")
        f.write("##source=scripts/make-example-variants.py (motif-breaking SNVs and flank controls)\n")
        for chrom, length in zip(fasta.references, fasta.lengths):
            f.write(f"##contig=<ID={chrom},length={length}>\n")
        f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for chrom, pos, vid, ref, alt in records:
            f.write(f"{chrom}\t{pos}\t{vid}\t{ref}\t{alt}\t.\tPASS\t.\n")
    print(f"{out}: {len(records)} SNVs")


if __name__ == "__main__":
    main()
