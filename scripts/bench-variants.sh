#!/usr/bin/env bash
# Variant-scoring speed of tfbind-variants against a PyTorch script doing the same, in the same
# invocation and with the same thread count (issue 15):
#
#   scripts/bench-variants.sh [THREADS] [SNVS] [MODEL]   (defaults: 2 threads, 200000 SNVs,
#                                                         work/demo/pretrain/model: `make demo`)
#
# Both score SNVs drawn uniformly from the DHS windows of data/example/ (REF from the genome, ALT a
# random other base) with a 50-task model, both strands averaged, windows of 200 bp centred on the
# SNV, batches of 100 windows:
# - PyTorch baseline: reads the VCF, fetches the reference window with pysam, makes the
#   alternate one, one-hot, forward and reverse complement in eval mode, writes the TSV (ref, alt,
#   diff, log odds per task);
# - tfbind: `tfbind-variants score` (VCF parsing and checks, REF check, genome reads, windows,
#   forward passes, TSV, artifact with checksums).
# Records/s of each whole process, and peak memory (/usr/bin/time). Goal: tfbind >= 2x.
# Then memory on a 10,000,000-line VCF (REF N, which matches any base), all of it read twice
# (counted for --shard, then scored) and the 1,000 records of one region scored: peak memory
# must stay far below 1 GB, as it does not grow with the input.
# Needs `scripts/setup.sh --test` (.venv with torch and pysam).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
threads=${1:-2}
snvs=${2:-200000}
model=${3:-$root/work/demo/pretrain/model}
py=$root/.venv/bin/python
work=$root/target/bench-variants
data=$root/data/example
log() { printf '[bench-variants] %s\n' "$*" >&2; }

. "$root/scripts/lib/bench-needs.sh"
bench_needs "$model" torch pysam safetensors
log "building (release)"
cargo build --release --quiet -p tfbind-variants
mkdir -p "$work"

log "drawing $snvs SNVs from the DHS windows of $data"
"$py" - "$data" "$snvs" "$work/snvs.vcf" <<'PY'
import gzip, random, sys
import pysam
data, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fa = pysam.FastaFile(f"{data}/genome.fa.gz")
with gzip.open(f"{data}/regions.bed.gz", "rt") as f:
    windows = [(c, int(s), int(e)) for c, s, e, *_ in (l.split("\t") for l in f)]
rng = random.Random(1)
picks = sorted((rng.randrange(len(windows)), rng.randrange(200)) for _ in range(n))
with open(out, "w") as f:
    f.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    for w, off in picks:
        c, s, e = windows[w]
        p = s + off
        ref = fa.fetch(c, p, p + 1).upper()
        if ref not in "ACGT":
            continue
        alt = rng.choice([b for b in "ACGT" if b != ref])
        f.write(f"{c}\t{p + 1}\t.\t{ref}\t{alt}\t.\t.\t.\n")
PY

cat > "$work/pytorch.py" <<'PY'
# The PyTorch baseline: the same scores, written as TSV; prints the records scored.
import math, sys
import pysam, torch
from safetensors.torch import load_file
vcf, genome, model_dir, models_py, threads, out = sys.argv[1:7]
sys.path.insert(0, models_py)
from tfbind_models import build, one_hot
torch.set_num_threads(int(threads))
tasks = open(f"{model_dir}/tasks.txt").read().split()
net = build("convnet-deep", 200, len(tasks))
net.load_state_dict(load_file(f"{model_dir}/model.safetensors"), strict=False)
net.eval()
fa = pysam.FastaFile(genome)
code = {c: i for i, c in enumerate("ACGT")}
def logit(p):
    p = min(max(p, 1e-7), 1 - 1e-7)
    return math.log(p / (1 - p))
def flush(batch, f):
    x = torch.tensor([[code.get(c, 4) for c in s] for _, s, _ in batch])
    rc = torch.where(x < 4, 3 - x, x).flip(1)
    with torch.no_grad():
        p = ((torch.sigmoid(net(one_hot(x))) + torch.sigmoid(net(one_hot(rc)))) / 2).tolist()
    for i in range(0, len(batch), 2):
        rec = batch[i][0]
        row = list(rec)
        for r, a in zip(p[i], p[i + 1]):
            row += [f"{r:.7g}", f"{a:.7g}", f"{a - r:.7g}", f"{logit(a) - logit(r):.7g}"]
        f.write("\t".join(row) + "\n")
n = 0
with open(out, "w") as f:
    f.write("chrom\tpos\tid\tref\talt" + "".join(f"\t{t}_ref\t{t}_alt\t{t}_diff\t{t}_log_odds" for t in tasks) + "\n")
    batch = []
    for line in open(vcf):
        if line.startswith("#"):
            continue
        chrom, pos, vid, ref, alt = line.split("\t")[:5]
        p = int(pos) - 1
        seq = fa.fetch(chrom, p - 100, p + 100).upper()
        batch.append(((chrom, pos, vid, ref, alt), seq, None))
        batch.append((None, seq[:100] + alt + seq[101:], None))
        n += 1
        if len(batch) == 100:
            flush(batch, f)
            batch = []
    if batch:
        flush(batch, f)
print(n)
PY

records=$(grep -vc '^#' "$work/snvs.vcf")
log "PyTorch: $records SNVs, $threads threads"
/usr/bin/time -f '%e %M' -o "$work/py.time" "$py" "$work/pytorch.py" "$work/snvs.vcf" \
  "$data/genome.fa.gz" "$model" "$root/crates/model/python" "$threads" "$work/pytorch.tsv" >/dev/null
log "tfbind-variants: $records SNVs, $threads threads"
/usr/bin/time -f '%e %M' -o "$work/rs.time" "$root/target/release/tfbind-variants" score -q \
  --model "$model" --genome "$data/genome.fa.gz" --variants "$work/snvs.vcf" --out "$work/scored" \
  --threads "$threads" --device cpu --batch-size 100 --force --json > "$work/rs.json"

log "streaming: a 10,000,000-line VCF, 1,000 records scored"
awk 'BEGIN { print "##fileformat=VCFv4.2"; print "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"
  for (i = 0; i < 10000000; i++) printf "chr21\t%d\t.\tN\tA\t.\t.\t.\n", 10000001 + i * 3 }' > "$work/big.vcf"
/usr/bin/time -f '%e %M' -o "$work/big.time" "$root/target/release/tfbind-variants" score -q \
  --model "$model" --genome "$data/genome.fa.gz" --variants "$work/big.vcf" --out "$work/big" \
  --region chr21:10000001-10003000 --threads "$threads" --device cpu --force
rm -f "$work/big.vcf"

read -r py_s py_kb < "$work/py.time"
read -r rs_s rs_kb < "$work/rs.time"
read -r big_s big_kb < "$work/big.time"
awk -v n="$records" -v ps="$py_s" -v pk="$py_kb" -v rs="$rs_s" -v rk="$rs_kb" -v t="$threads" \
  -v bs="$big_s" -v bk="$big_kb" 'BEGIN {
  printf "variant scoring, %d SNVs x 50 tasks, both strands, %d threads:\n", n, t
  printf "  PyTorch baseline  %8.1f s  %8.0f records/s  peak %5.0f MB\n", ps, n / ps, pk / 1024
  printf "  tfbind-variants   %8.1f s  %8.0f records/s  peak %5.0f MB\n", rs, n / rs, rk / 1024
  printf "  ratio (tfbind / PyTorch records/s): %.2fx\n", ps / rs
  printf "10,000,000-line VCF, one region of 1,000 records scored: %.1f s, peak %.0f MB\n", bs, bk / 1024
}'
