#!/usr/bin/env bash
# DeepLIFT/SHAP speed of tfbind-interpret against tangermeme's deep_lift_shap, in the same
# invocation and with the same thread count (issue 16):
#
#   scripts/bench-deepshap.sh [THREADS] [WINDOWS] [REFERENCES] [PAIRS] [MODEL]
#     (defaults: 2 threads, 1,000 windows, 10 references, 250 window-reference pairs per batch,
#      work/demo/pretrain/model: `make demo`)
#
# Both explain the model's first task on the same DHS windows of data/example/ (without N), each
# against the same dinucleotide-shuffled references (drawn by tfbind, handed to tangermeme through
# its `references=` argument), the same number of window-reference pairs per batch (tangermeme's
# `batch_size`, the stage's `batch_size`):
# - tfbind: the library's Attributions::compute (crates/interpret/examples/deepshap.rs);
# - tangermeme: deep_lift_shap on the model loaded from the same safetensors, rebuilt as an
#   nn.Sequential with nn.ReLU and nn.MaxPool1d modules for its hooks (see
#   crates/interpret/tests/deeplift.rs).
# Seconds of the attribution alone (each process times itself) and of each whole process, peak
# memory (/usr/bin/time), and the largest difference of the two results. Goal: tfbind >= 2x.
# Needs `scripts/setup.sh --test` (.venv with torch, safetensors, pysam) and tangermeme in .venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
threads=${1:-2}
windows=${2:-1000}
references=${3:-10}
pairs=${4:-250}
model=${5:-$root/work/demo/pretrain/model}
py=$root/.venv/bin/python
work=$root/target/bench-deepshap
data=$root/data/example
log() { printf '[bench-deepshap] %s\n' "$*" >&2; }

. "$root/scripts/lib/bench-needs.sh"
bench_needs "$model" torch pysam safetensors tangermeme
log "building (release)"
cargo build --release --quiet -p tfbind-interpret --example deepshap
mkdir -p "$work"

log "drawing $windows windows without N from $data"
"$py" "$root/scripts/lib/draw_windows.py" "$data" "$windows" "$work/codes.safetensors"

cat > "$work/tangermeme_dls.py" <<'PY'
# tangermeme's deep_lift_shap on the references tfbind drew; prints the attribution's seconds.
import sys, time, tomllib
import torch
from safetensors.torch import load_file, save_file
model_dir, models_py, inputs, threads, pairs, out = sys.argv[1:7]
sys.path.insert(0, models_py)
from tfbind_models import build, sequential
from tangermeme.deep_lift_shap import deep_lift_shap
torch.set_num_threads(int(threads))
spec = tomllib.load(open(f"{model_dir}/architecture.toml", "rb"))
m = build(spec["architecture"], spec["window_len"], spec["n_tasks"])
m.load_state_dict(load_file(f"{model_dir}/model.safetensors"), strict=False)
m.eval()
net = sequential(m, spec["architecture"])
d = load_file(inputs)
start = time.perf_counter()
attributions = deep_lift_shap(net, d["x"], target=0, references=d["references"],
                              hypothetical=True, batch_size=int(pairs), device="cpu")
seconds = time.perf_counter() - start
save_file({"hypothetical": attributions.contiguous()}, out)
print(seconds)
PY

log "tfbind: $windows windows x $references references, $pairs pairs per batch, $threads threads"
/usr/bin/time -f '%e %M' -o "$work/rs.time" "$root/target/release/examples/deepshap" "$model" \
  "$work/codes.safetensors" 0 "$references" "$pairs" 1 "$threads" "$work/tfbind.safetensors" \
  > "$work/rs.out"
log "tangermeme: the same windows and references, $pairs pairs per batch, $threads threads"
/usr/bin/time -f '%e %M' -o "$work/py.time" "$py" "$work/tangermeme_dls.py" "$model" \
  "$root/crates/model/python" "$work/tfbind.safetensors" "$threads" "$pairs" \
  "$work/tangermeme.safetensors" \
  2>"$work/py.err" > "$work/py.out" || { cat "$work/py.err" >&2; exit 1; }
diff=$("$py" - "$work/tfbind.safetensors" "$work/tangermeme.safetensors" <<'PY'
import sys
from safetensors.torch import load_file
ours, theirs = load_file(sys.argv[1])["hypothetical"], load_file(sys.argv[2])["hypothetical"]
print(f"{(ours - theirs).abs().max().item() / theirs.abs().max().item():.1e}")
PY
)

read -r py_s py_kb < "$work/py.time"
read -r rs_s rs_kb < "$work/rs.time"
read -r py_a < "$work/py.out"
read -r rs_a < "$work/rs.out"
awk -v n="$windows" -v r="$references" -v b="$pairs" -v t="$threads" -v ps="$py_s" -v pk="$py_kb" -v pa="$py_a" \
  -v rs="$rs_s" -v rk="$rs_kb" -v ra="$rs_a" -v d="$diff" 'BEGIN {
  printf "DeepLIFT/SHAP, %d windows x %d references, %d pairs per batch, %d threads:\n", n, r, b, t
  printf "                attribution   whole process   peak memory\n"
  printf "  tangermeme    %8.1f s      %8.1f s      %6.0f MB\n", pa, ps, pk / 1024
  printf "  tfbind        %8.1f s      %8.1f s      %6.0f MB\n", ra, rs, rk / 1024
  printf "  ratio (tangermeme / tfbind seconds): attribution %.2fx, whole process %.2fx\n", pa / ra, ps / rs
  printf "  largest difference of the hypothetical contributions: %s of their largest magnitude\n", d
}'
