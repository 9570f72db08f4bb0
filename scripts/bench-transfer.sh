#!/usr/bin/env bash
# The default path for a new TF (tfbind-transfer) against the PyTorch reference of the same
# protocol (issue 14 "Speed"), in the same invocation, on the shared hg38 chr19-22 bundle:
#
#   scripts/bench-transfer.sh [TARGETS] [THREADS]     (defaults: "CEBPB FOXA1", 2 threads)
#
# For each target, given as a new TF from its peak file (bundle/peaks/<TF>.narrowPeak.gz) against
# the bundle's regions artifact, split train chr19+chr20 / valid chr22 / test chr21, the target's
# dataset 600 GC-stratified positives with as many GC-matched negatives (~1,200 windows):
# - tfbind: `tfbind-transfer` with its defaults and an empty cache, timed whole (labels, dataset,
#   choice, small pre-training, fine-tuning, evaluation);
# - PyTorch (crates/model/python/tfbind_models.py): the reference protocol on the set tfbind chose
#   and on tfbind's target dataset (the same windows and test windows): ConvNetDeep pre-trained
#   3 epochs (Adam lr 0.003, batch 100) on the set's multi-task windows (at most 70,000), the
#   epoch with the lowest validation loss kept; fine-tuned 10 epochs (lr 0.0003), the best epoch
#   kept; timed from loading the tensors to the test AUPRC (its datasets are made, untimed, by
#   tfbind-negatives and tfbind-encode).
# Prints both times, their ratio (goal: tfbind <= 0.5x) and both test AUPRCs (goal: tfbind's at
# least as high). Needs `scripts/setup.sh --test` (.venv with torch, scikit-learn).
#
# TFBIND_BENCH_INIT=MODEL times the path `make finetune` takes when the project has a pre-trained
# model: the small pre-training starts from MODEL's weights, one epoch (--pretrain-init MODEL
# --pretrain-epochs 1). MODEL is built once per project, not per TF, so it is not timed; it must
# be trained on the same split (e.g. the 50-TF model of configs/experiment-holdout.toml's work).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
targets=${1:-CEBPB FOXA1}
threads=${2:-2}
bundle=${TFBIND_BUNDLE:-$root/../shared/data/hg38-dhs-chr19-22}
py=$root/.venv/bin/python
work=${TFBIND_BENCH_WORK:-$root/target/bench-transfer}
bin=$root/target/release
init=${TFBIND_BENCH_INIT:-}
log() { printf '[bench-transfer] %s\n' "$*" >&2; }
. "$root/scripts/lib/bench-needs.sh"

[ -f "$bundle/genome.fa.gz" ] || { log "no bundle at $bundle"; exit 1; }
mkdir -p "$work"
log "building (release)"
cargo build --release --quiet -p tfbind-peaks -p tfbind-negatives -p tfbind-encode -p tfbind-transfer
"$bin/tfbind-peaks" import -q --windows "$bundle/regions.bed.gz" --labels "$bundle/labels.tsv.gz" \
  --genome "$bundle/genome.fa.gz" --out "$work/regions" >/dev/null
# bench_needs wants a model artifact: any will do, so the regions' check stands for it.
bench_needs "$work/regions" torch numpy safetensors sklearn
genome=$bundle/genome.fa.gz
cat > "$work/config.toml" <<'TOML'
[negatives]
max_positives = 600
seed = 1

[encode]
split = "chromosome"
valid_chroms = ["chr22"]
test_chroms = ["chr21"]
TOML

cat > "$work/reference.py" <<'PY'
# The PyTorch reference: pre-train on a multi-task dataset, fine-tune on a single-task one;
# prints JSON with the seconds and the test AUPRC.
import copy, json, sys, time
import numpy as np, torch, torch.nn as nn
from safetensors.numpy import load_file
from sklearn.metrics import average_precision_score

pre_dir, target_dir, threads, models_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, models_dir)
from tfbind_models import ConvNetDeep, one_hot
torch.set_num_threads(threads)
torch.manual_seed(1)
started = time.perf_counter()

def load(path, cap=None):
    d = load_file(f"{path}/dataset.safetensors")
    split, codes, labels = d["split"], d["sequences"], d["labels"]
    if cap is not None and len(split) > cap:
        keep = np.sort(np.random.default_rng(1).choice(len(split), cap, replace=False))
        split, codes, labels = split[keep], codes[keep], labels[keep]
    parts = {}
    for name, s in (("train", 0), ("valid", 1), ("test", 2)):
        m = split == s
        y = labels[m]
        parts[name] = (one_hot(codes[m]), torch.from_numpy((y == 1).astype(np.float32)),
                       torch.from_numpy((y >= 0).astype(np.float32)))
    return parts

bce = nn.BCEWithLogitsLoss(reduction="none")
def loss_of(model, x, y, m):
    return (bce(model(x), y) * m).sum() / m.sum().clamp(min=1)

def fit(model, parts, lr, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    x, y, m = parts["train"]
    best, best_state = float("inf"), None
    for epoch in range(epochs):
        model.train()
        for idx in torch.randperm(len(x)).split(100):
            opt.zero_grad()
            loss_of(model, x[idx], y[idx], m[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            vx, vy, vm = parts["valid"]
            valid = sum(loss_of(model, vx[s:s + 1000], vy[s:s + 1000], vm[s:s + 1000]).item()
                        * vm[s:s + 1000].sum().item() for s in range(0, len(vx), 1000)) / vm.sum().item()
        if valid < best:
            best, best_state = valid, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return model

pre = load(pre_dir, cap=70000)
pretrained = fit(ConvNetDeep(pre["train"][1].shape[1]), pre, 0.003, 3)
target = load(target_dir)
model = ConvNetDeep(1)
state = {k: v for k, v in pretrained.state_dict().items() if not k.startswith("d6.")}
model.load_state_dict(state, strict=False)
model = fit(model, target, 0.0003, 10)
model.eval()
with torch.no_grad():
    tx, ty, _ = target["test"]
    scores = torch.cat([model(tx[s:s + 1000]) for s in range(0, len(tx), 1000)])[:, 0].numpy()
auprc = average_precision_score(ty[:, 0].numpy(), scores)
print(json.dumps({"seconds": time.perf_counter() - started, "auprc": auprc,
                  "pretrain_windows": int(sum(len(p[0]) for p in pre.values()))}))
PY

export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
printf 'target\ttfbind_s\tpytorch_s\tratio\ttfbind_auprc\tpytorch_auprc\tset\n' > "$work/results.tsv"
for tf in $targets; do
  peaks=$bundle/peaks/$tf.narrowPeak.gz
  [ -f "$peaks" ] || { log "no peaks for $tf at $peaks"; exit 1; }
  out=$work/runs/$tf
  rm -rf "$out" "$work/cache"
  log "$tf: tfbind-transfer"
  start=$(date +%s.%N)
  "$bin/tfbind-transfer" --tf "$tf" --peaks "$peaks" --regions "$work/regions" --genome "$genome" \
    --config "$work/config.toml" --cache "$work/cache" --out "$out" --threads "$threads" \
    ${init:+--pretrain-init "$init" --pretrain-epochs 1} --device cpu --json -q > "$work/$tf.json"
  ours=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  read -r set ours_auprc < <("$py" -c 'import json, sys
r = json.load(open(sys.argv[1]))
m = r["model"]
print(",".join(m["choice"]["tfs"]), m["test"]["auprc"])' "$work/$tf.json")

  log "$tf: the reference's datasets (untimed), set $set"
  "$bin/tfbind-negatives" -q --regions "$work/regions" --genome "$genome" --tfs "$set" \
    --out "$work/ref/$tf/windows" >/dev/null
  "$bin/tfbind-encode" -q --windows "$work/ref/$tf/windows" --genome "$genome" --split chromosome \
    --valid-chroms chr22 --test-chroms chr21 --out "$work/ref/$tf/dataset" >/dev/null
  log "$tf: PyTorch reference"
  "$py" "$work/reference.py" "$work/ref/$tf/dataset" "$out/dataset" "$threads" \
    "$root/crates/model/python" > "$work/$tf.reference.json"
  read -r theirs theirs_auprc < <("$py" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print("%.1f" % r["seconds"], r["auprc"])' "$work/$tf.reference.json")
  printf '%s\t%s\t%s\t%s\t%.3f\t%.3f\t%s\n' "$tf" "$ours" "$theirs" \
    "$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')" "$ours_auprc" \
    "$theirs_auprc" "$set" >> "$work/results.tsv"
done
echo "threads $threads of $(nproc) cores; load $(uptime | sed 's/.*load average: //')"
if [ -n "$init" ]; then
  echo "tfbind: the small pre-training started from $init (1 epoch)"
else
  echo "tfbind: the small pre-training from random weights (tfbind-transfer's defaults)"
fi
column -t -s $'\t' "$work/results.tsv"
