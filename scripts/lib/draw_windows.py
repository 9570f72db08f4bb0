# `draw_windows.py DATA N OUT`: N windows without N drawn (seeded) from DATA/regions.bed.gz with
# their sequence from DATA/genome.fa.gz, written to OUT as safetensors `codes`, uint8 [N, len]
# (A C G T = 0 1 2 3): the windows of the bench scripts that compare with tangermeme.
import gzip, random, sys
import pysam, torch
from safetensors.torch import save_file
data, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fa = pysam.FastaFile(f"{data}/genome.fa.gz")
with gzip.open(f"{data}/regions.bed.gz", "rt") as f:
    windows = [(c, int(s), int(e)) for c, s, e, *_ in (l.split("\t") for l in f)]
rng = random.Random(1)
code = {c: i for i, c in enumerate("ACGT")}
codes = []
while len(codes) < n:
    c, s, e = windows[rng.randrange(len(windows))]
    seq = fa.fetch(c, s, e).upper()
    if set(seq) <= set("ACGT"):
        codes.append([code[b] for b in seq])
save_file({"codes": torch.tensor(codes, dtype=torch.uint8)}, out)
