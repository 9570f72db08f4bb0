#!/usr/bin/env bash
# Seqlet calling and annotation speed of tfbind-interpret against tangermeme's recursive_seqlets
# + annotate_seqlets, on the same attributions in the same invocation (issue 16):
#
#   scripts/bench-seqlets.sh [THREADS] [WINDOWS] [MODEL] [DATABASE]
#     (defaults: 2 threads, 10,000 windows, work/demo/pretrain/model: `make demo`, the shipped
#      JASPAR file)
#
# The model's first task explains DHS windows of data/example/ (without N) by gradient × input,
# computed in PyTorch (tfbind_models.py) in batches: the bench times what follows. Both sides then
# call seqlets on the same attributions of the windows' own letters, with tangermeme's defaults,
# and give each its best database motif by Tomtom of its one-hot sequence (memelite's euclidean
# score, both strands), on THREADS threads:
# - tfbind: recursive_seqlets and Seqlets::compute (reading the database included);
# - tangermeme: recursive_seqlets and annotate_seqlets (reading the database included), timed
#   after a warm-up call on 100 windows that compiles their numba code (reported apart).
# Prints the seconds of each, their ratio, whether the seqlets are the same, and the share of
# seqlets given the same best motif. The issue asks for seconds: negligible next to attribution.
# Needs `scripts/setup.sh --test` (.venv with torch, safetensors, pysam) and tangermeme in .venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
threads=${1:-2}
windows=${2:-10000}
model=${3:-$root/work/demo/pretrain/model}
database=${4:-$root/data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme}
py=$root/.venv/bin/python
work=$root/target/bench-seqlets
data=$root/data/example
log() { printf '[bench-seqlets] %s\n' "$*" >&2; }

. "$root/scripts/lib/bench-needs.sh"
bench_needs "$model" torch pysam safetensors tangermeme
log "building (release)"
cargo build --release --quiet -p tfbind-interpret --example seqlets
mkdir -p "$work"

log "drawing $windows windows without N from $data"
"$py" "$root/scripts/lib/draw_windows.py" "$data" "$windows" "$work/codes.safetensors"

log "gradient x input of the model's first task"
"$py" - "$model" "$root/crates/model/python" "$work/codes.safetensors" "$threads" \
  "$work/attributions.safetensors" <<'PY'
import sys, tomllib
import torch
from safetensors.torch import load_file, save_file
model_dir, models_py, codes, threads, out = sys.argv[1:6]
sys.path.insert(0, models_py)
from tfbind_models import build, one_hot
torch.set_num_threads(int(threads))
spec = tomllib.load(open(f"{model_dir}/architecture.toml", "rb"))
m = build(spec["architecture"], spec["window_len"], spec["n_tasks"])
m.load_state_dict(load_file(f"{model_dir}/model.safetensors"), strict=False)
m.eval()
ohe = one_hot(load_file(codes)["codes"].long())
x = []
for batch in ohe.split(500):
    batch = batch.clone().requires_grad_()
    m(batch)[:, 0].sum().backward()
    x.append((batch.grad * batch).sum(1).detach())
save_file({"x": torch.cat(x).contiguous(), "ohe": ohe.contiguous()}, out)
PY

log "tfbind: seqlets and annotation on $threads threads"
RAYON_NUM_THREADS=$threads "$root/target/release/examples/seqlets" \
  "$work/attributions.safetensors" "$database" "$work/tfbind.tsv" > "$work/rs.out"

log "tangermeme: the same attributions on $threads threads"
"$py" - "$work/attributions.safetensors" "$database" "$threads" "$work/tfbind.tsv" \
  > "$work/py.out" 2> "$work/py.err" <<'PY' || { cat "$work/py.err" >&2; exit 1; }
import sys, time
import pandas, torch
from safetensors.numpy import load_file
inputs, database, threads, ours = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(threads)
from tangermeme.seqlet import recursive_seqlets
from tangermeme.annotate import annotate_seqlets
d = load_file(inputs)
x, ohe = d["x"], torch.from_numpy(d["ohe"])
start = time.perf_counter()
warm = recursive_seqlets(x[:100])
annotate_seqlets(ohe[:100], warm, database, n_jobs=threads)
warm_up = time.perf_counter() - start
start = time.perf_counter()
seqlets = recursive_seqlets(x)
call = time.perf_counter() - start
idxs, _ = annotate_seqlets(ohe, seqlets, database, n_jobs=threads)
total = time.perf_counter() - start
theirs = seqlets[["example_idx", "start", "end"]].copy()
theirs["motif"] = idxs[:, 0].numpy()
mine = pandas.read_csv(ours, sep="\t").rename(columns={"example": "example_idx"})
key = ["example_idx", "start", "end"]
merged = theirs.merge(mine, on=key, how="outer", suffixes=("_t", "_r"), indicator=True)
same = bool((merged["_merge"] == "both").all())
both = merged[merged["_merge"] == "both"]
agree = float((both["motif_t"] == both["motif_r"]).mean()) if len(both) else float("nan")
print(call, total, warm_up, len(seqlets), same, agree)
PY

read -r rs_call rs_total rs_n < "$work/rs.out"
read -r py_call py_total py_warm py_n same agree < "$work/py.out"
awk -v n="$windows" -v t="$threads" -v rc="$rs_call" -v rt="$rs_total" -v rn="$rs_n" \
  -v pc="$py_call" -v pt="$py_total" -v pw="$py_warm" -v pn="$py_n" -v same="$same" \
  -v agree="$agree" 'BEGIN {
  printf "Seqlets of %d windows (gradient x input), %d threads:\n", n, t
  printf "                calling     calling + annotation   seqlets\n"
  printf "  tangermeme   %8.2f s   %8.2f s             %7d   (numba warm-up %.1f s apart)\n", pc, pt, pn, pw
  printf "  tfbind       %8.2f s   %8.2f s             %7d\n", rc, rt, rn
  printf "  ratio (tangermeme / tfbind seconds): calling %.2fx, calling + annotation %.2fx\n", pc / rc, pt / rt
  printf "  same seqlets: %s; same best motif for %.1f%% of them\n", same, 100 * agree
}'
