#!/usr/bin/env bash
# Training and inference speed of tfbind-pretrain / tfbind-predict against PyTorch (Python), in the
# same invocation and with the same thread count (issue 4):
#
#   scripts/bench-train.sh [THREADS] [REPS]     (defaults: 2 threads, 3 runs of each; medians)
#
# Model: ConvNetDeep with 50 outputs (PyTorch: crates/model/python/tfbind_models.py), masked BCE with logits, Adam (lr 0.003), batch 100, on CPU.
# - PyTorch baseline: batches drawn from in-memory one-hot tensors (the train windows of the
#   dataset below): training windows/s (forward + backward + step), inference windows/s at batch
#   100 and 1,000 in eval mode, peak memory of the process.
# - tfbind: `tfbind-pretrain --epochs 1 --no-rc-augment` on the same dataset (its epochs.tsv
#   reports training windows/s: forward + backward + step, including batch assembly and one-hot
#   encoding); `tfbind-predict` on 50,000 windows of the bundle with --batch-size 100 and 1,000:
#   windows/s of its prediction loop (genome reads, one-hot, forward, TSV output; its JSON
#   `windows_per_s`), and of the whole process (adds start-up and model loading).
#   Peak memory: /usr/bin/time. tfbind-pretrain runs a second time with OMP_WAIT_POLICY=PASSIVE
#   (libtorch's OpenMP threads sleep at once while they wait, rather than spin a while first:
#   what the README suggests when several stages share the cores).
# The dataset is the real-data check's: the 50 TFs with the fewest NA on ../shared/data/
# hg38-dhs-chr19-22, valid chr22, test chr21 (tfbind-peaks import, tfbind-negatives, tfbind-encode).
# The goal is tfbind >= 1.0x PyTorch on each rate. Needs `scripts/setup.sh --test` (.venv).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
threads=${1:-2}
reps=${2:-3}
bundle=${TFBIND_BUNDLE:-$root/../shared/data/hg38-dhs-chr19-22}
py=$root/.venv/bin/python
work=$root/target/bench-train
log() { printf '[bench-train] %s\n' "$*" >&2; }

[ -f "$bundle/genome.fa.gz" ] || { log "no bundle at $bundle"; exit 1; }
"$py" -c 'import torch, numpy, safetensors' 2>/dev/null \
  || { log "torch/numpy/safetensors missing in .venv: run scripts/setup.sh --test"; exit 1; }
[ -x /usr/bin/time ] || { log "GNU time (/usr/bin/time) is needed for peak memory: apt-get install time"; exit 1; }

log "building (release)"
cargo build --release --quiet -p tfbind-peaks -p tfbind-negatives -p tfbind-encode \
  -p tfbind-pretrain -p tfbind-predict
bin=$root/target/release
mkdir -p "$work"

# Each stage is skipped when its artifact is up to date.
log "dataset: 50 TFs with the fewest NA, valid chr22, test chr21"
. "$root/scripts/lib/realdata-dataset.sh"
# awk reads to the end, so pipefail does not trip on a SIGPIPE as with head.
gzip -dc "$bundle/regions.bed.gz" | awk 'NR <= 50000' > "$work/predict.bed"

cat > "$work/pytorch.py" <<'EOF'
# The PyTorch baseline: prints JSON with train and inference windows/s.
import json, sys, time
import numpy as np, torch, torch.nn as nn
from safetensors.numpy import load_file

dataset, threads, models_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, models_dir)
from tfbind_models import ConvNetDeep, one_hot
torch.set_num_threads(threads)
torch.manual_seed(0)

d = load_file(f"{dataset}/dataset.safetensors")
train = d["split"] == 0
codes, labels = d["sequences"][train], d["labels"][train]
x = one_hot(codes)
y = torch.from_numpy((labels == 1).astype(np.float32))
mask = torch.from_numpy((labels >= 0).astype(np.float32))
n, tasks = len(x), y.shape[1]

model = ConvNetDeep(tasks)
opt = torch.optim.Adam(model.parameters(), lr=0.003)
bce = nn.BCEWithLogitsLoss(reduction="none")
order = torch.randperm(n)
def train_batches(batches, offset):
    for b in range(batches):
        idx = order[(offset + b) * 100 % (n - 100):][:100]
        opt.zero_grad()
        m = mask[idx]
        loss = (bce(model(x[idx]), y[idx]) * m).sum() / m.sum().clamp(min=1)
        loss.backward()
        opt.step()
model.train()
train_batches(10, 0)
batches = 300
t = time.perf_counter()
train_batches(batches, 10)
train_rate = batches * 100 / (time.perf_counter() - t)

model.eval()
def infer(batch, total=50000):
    with torch.no_grad():
        model(x[:batch])
        t = time.perf_counter()
        for s in range(0, total, batch):
            model(x[s:s + batch])
        return total / (time.perf_counter() - t)
print(json.dumps({"train": train_rate, "infer100": infer(100), "infer1000": infer(1000)}))
EOF

# Runs a command under GNU time; prints its stdout; appends the peak RSS (kB) to $work/rss.
timed() {
  /usr/bin/time -f %M -o "$work/rss.one" "$@"
  cat "$work/rss.one" >> "$work/rss"
}

: > "$work/results.tsv"
for rep in $(seq 1 "$reps"); do
  log "run $rep/$reps: PyTorch"
  : > "$work/rss"
  out=$(timed "$py" "$work/pytorch.py" "$work/dataset" "$threads" "$root/crates/model/python")
  printf 'pytorch\t%s\t%s\n' "$out" "$(cat "$work/rss")" >> "$work/results.tsv"

  log "run $rep/$reps: tfbind-pretrain (1 epoch)"
  : > "$work/rss"
  timed "$bin/tfbind-pretrain" -q --dataset "$work/dataset" --out "$work/model" --epochs 1 \
    --no-rc-augment --threads "$threads" --device cpu --force --restart >/dev/null
  train=$(awk -F'\t' 'NR == 2 { print $5 }' "$work/model/epochs.tsv")
  printf 'pretrain\t{"train": %s}\t%s\n' "$train" "$(cat "$work/rss")" >> "$work/results.tsv"

  log "run $rep/$reps: tfbind-pretrain (1 epoch, OMP_WAIT_POLICY=PASSIVE)"
  OMP_WAIT_POLICY=PASSIVE "$bin/tfbind-pretrain" -q --dataset "$work/dataset" --out "$work/model" \
    --epochs 1 --no-rc-augment --threads "$threads" --device cpu --force --restart >/dev/null
  train=$(awk -F'\t' 'NR == 2 { print $5 }' "$work/model/epochs.tsv")
  printf 'passive\t{"train_passive": %s}\t0\n' "$train" >> "$work/results.tsv"

  for batch in 100 1000; do
    log "run $rep/$reps: tfbind-predict (batch $batch)"
    : > "$work/rss"
    out=$(timed "$bin/tfbind-predict" --json -q --model "$work/model" --bed "$work/predict.bed" \
      --genome "$bundle/genome.fa.gz" --out "$work/predict.tsv" --batch-size "$batch" \
      --threads "$threads" --device cpu)
    rates=$(printf '%s' "$out" | "$py" -c 'import json,sys; r = json.load(sys.stdin)
print(r["windows_per_s"], r["windows"] / r["seconds"])')
    read -r loop whole <<< "$rates"
    printf 'predict\t{"infer%s": %s, "process%s": %s}\t%s\n' "$batch" "$loop" "$batch" "$whole" \
      "$(cat "$work/rss")" >> "$work/results.tsv"
  done
done

"$py" - "$work/results.tsv" "$threads" "$(nproc)" <<'EOF'
import json, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
rates, rss = {}, {}
for who, values, kb in rows:
    values = json.loads(values)
    side = "pytorch" if who == "pytorch" else "tfbind"
    for k, v in values.items():
        rates.setdefault((side, k), []).append(v)
    if who == "passive":
        continue
    process = who if who != "predict" else "predict batch " + next(iter(values))[len("infer"):]
    rss.setdefault(process, []).append(int(kb))
med = {k: statistics.median(v) for k, v in rates.items()}
# Each run measures both sides back to back, so its own ratio cancels slow spells of the machine
# that a ratio of medians does not: both are printed.
print(f"threads {sys.argv[2]} of {sys.argv[3]} cores, medians of {len(rates[('pytorch', 'train')])} runs")
print(f"{'windows/s':<26}{'PyTorch':>9}{'tfbind':>9}{'ratio':>8}   ratio per run")
for k, name, ours in [("train", "training", "train"),
                      ("infer100", "inference, batch 100", "infer100"),
                      ("infer1000", "inference, batch 1000", "infer1000"),
                      ("infer100", "  whole process", "process100"),
                      ("infer1000", "  whole process", "process1000"),
                      ("train", "  OMP_WAIT_POLICY=PASSIVE", "train_passive")]:
    p, t = med[("pytorch", k)], med[("tfbind", ours)]
    runs = " ".join(f"{b / a:.2f}" for a, b in zip(rates[("pytorch", k)], rates[("tfbind", ours)]))
    print(f"{name:<26}{p:>9.0f}{t:>9.0f}{t / p:>7.2f}x   {runs}")
print("peak memory (MB): " + ", ".join(
    f"{k} {statistics.median(v) / 1024:.0f}" for k, v in sorted(rss.items())))
EOF
