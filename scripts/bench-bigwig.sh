#!/usr/bin/env bash
# Whole-process speed of `tfbind-predict --bigwig` against `tfbind-predict --out` (TSV) over the
# same windows, in the same invocation (issue 15): all of chr21 at stride 50, one 50-task model.
#
#   scripts/bench-bigwig.sh [REPS]     (default 3 runs of each, interleaved; medians are compared)
#
# Genome: ../shared/data/hg38-dhs-chr19-22 when it is there, else the shipped data/example (both
# hold real sequence in the DHS windows only, so `--chroms chr21` predicts the windows of chr21's
# stretches without N). Model: the demo's pre-trained 50-task model (work/demo/pretrain/model,
# `make demo`) when it is there, else an untrained ConvNetDeep with 50 outputs written by PyTorch
# (speed does not depend on the weights; needs `scripts/setup.sh --test` for torch in .venv).
# Both runs read the model and the genome, find the chromosome's N and predict every window; one
# writes a TSV of the 50 probabilities per window, the other 50 bigWigs (the nearest window's
# probability at every base, with zoom levels). Reported: windows, wall and CPU seconds of the whole
# process, windows/s of the whole process, the prediction loop's windows/s (its --json
# `windows_per_s`: genome reads, forward passes and output, bigWig indexes and zooms included),
# peak memory and output size. The goal is bigWig >= 1.0x the TSV path's windows/s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
reps=${1:-3}
bundle=${TFBIND_BUNDLE:-$root/../shared/data/hg38-dhs-chr19-22}
py=$root/.venv/bin/python
work=$root/target/bench-bigwig
log() { printf '[bench-bigwig] %s\n' "$*" >&2; }

if [ -f "$bundle/genome.fa.gz" ]; then
  genome=$bundle/genome.fa.gz
else
  genome=$root/data/example/genome.fa.gz
fi
[ -x /usr/bin/time ] || { log "GNU time (/usr/bin/time) is needed for peak memory: apt-get install time"; exit 1; }

log "building tfbind-predict (release)"
cargo build --release --quiet -p tfbind-predict
predict=$root/target/release/tfbind-predict
mkdir -p "$work"

model=$root/work/demo/pretrain/model
if [ -f "$model/manifest.toml" ]; then
  model_kind="the demo's pre-trained model"
else
  model=$work/model
  model_kind="an untrained model"
  if [ ! -f "$model/manifest.toml" ]; then
    "$py" -c 'import torch, safetensors' 2>/dev/null \
      || { log "no demo model and no torch in .venv: run make demo or scripts/setup.sh --test"; exit 1; }
    log "writing an untrained 50-task ConvNetDeep"
    "$py" - "$root/crates/model/python" "$model" "$root/scripts/lib" <<'EOF'
import os, shutil, sys
import torch
from safetensors.torch import save_file

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[3])
from tfbind_models import ConvNetDeep
from bench_artifact import commit

out = sys.argv[2]
tmp = out + ".partial"
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
torch.manual_seed(0)
net = ConvNetDeep(50, 200)
# tfbind stores no BatchNorm batch counters.
weights = {k: v.contiguous() for k, v in net.state_dict().items()
           if not k.endswith("num_batches_tracked")}
save_file(weights, f"{tmp}/model.safetensors")
with open(f"{tmp}/architecture.toml", "w") as f:
    f.write('architecture = "convnet-deep"\nwindow_len = 200\nn_tasks = 50\n')
with open(f"{tmp}/tasks.txt", "w") as f:
    f.write("".join(f"TF{i:02d}\n" for i in range(1, 51)))
commit(tmp, out, "model", "untrained = true")
EOF
  fi
fi
tasks=$(wc -l < "$model/tasks.txt")
[ "$tasks" -eq 50 ] || { log "$model has $tasks tasks, not 50"; exit 1; }

common=(--model "$model" --genome "$genome" --chroms chr21 --stride 50 --device cpu --json -q)
tsv=("$predict" "${common[@]}" --out "$work/chr21.tsv")
bigwig=("$predict" "${common[@]}" --bigwig "$work/bigwig" --force)

# One timed run: prints "wall_ms cpu_ms max_rss_kb windows windows_per_s" (cpu = user +
# system, all threads; the last two from --json).
timed() {
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$work/time.out" "$@" > "$work/run.json"
  t1=$(date +%s%N)
  "$py" -c 'import json, sys; j = json.load(open(sys.argv[1])); u, s, rss = open(sys.argv[3]).read().split()
print(sys.argv[2], round((float(u) + float(s)) * 1000), rss, j["windows"], round(j["windows_per_s"]))' \
    "$work/run.json" $(( (t1 - t0) / 1000000 )) "$work/time.out"
}

log "timing $reps runs of each, interleaved (load: $(cut -d' ' -f1-3 /proc/loadavg))"
tsv_ms=(); bw_ms=(); tsv_cpu=(); bw_cpu=(); tsv_loop=(); bw_loop=(); tsv_rss=0; bw_rss=0
for _ in $(seq "$reps"); do
  read -r ms cpu rss windows loop < <(timed "${tsv[@]}")
  tsv_ms+=("$ms"); tsv_cpu+=("$cpu"); tsv_loop+=("$loop"); tsv_rss=$(( rss > tsv_rss ? rss : tsv_rss ))
  tsv_windows=$windows
  read -r ms cpu rss windows loop < <(timed "${bigwig[@]}")
  bw_ms+=("$ms"); bw_cpu+=("$cpu"); bw_loop+=("$loop"); bw_rss=$(( rss > bw_rss ? rss : bw_rss ))
  [ "$windows" -eq "$tsv_windows" ] || { log "the runs predicted $tsv_windows and $windows windows"; exit 1; }
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tsv_med=$(median "${tsv_ms[@]}"); bw_med=$(median "${bw_ms[@]}")

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "genome: $genome; model: $model_kind ($model, $tasks tasks)"
echo "windows: $tsv_windows of 200 bp, chr21 at stride 50 (its stretches without N)"
report() {
  awk -v name="$1" -v ms="$2" -v runs="$3" -v cpu="$4" -v loop="$5" -v rss="$6" -v size="$7" -v w="$tsv_windows" \
    'BEGIN {printf "%-7s %6.1f s wall (runs ms: %s), %5.1f s cpu; %5.0f windows/s whole process, %5d windows/s prediction loop; peak RSS %d MB; output %s\n",
            name, ms / 1000, runs, cpu / 1000, w / (ms / 1000), loop, rss / 1024, size}'
}
report "TSV" "$tsv_med" "${tsv_ms[*]}" "$(median "${tsv_cpu[@]}")" "$(median "${tsv_loop[@]}")" "$tsv_rss" \
  "$(du -sh "$work/chr21.tsv" | cut -f1)"
report "bigWig" "$bw_med" "${bw_ms[*]}" "$(median "${bw_cpu[@]}")" "$(median "${bw_loop[@]}")" "$bw_rss" \
  "$(du -sh "$work/bigwig" | cut -f1)"
awk -v a="$tsv_med" -v b="$bw_med" 'BEGIN {printf "bigWig / TSV windows/s (wall medians): %.2fx (goal >= 1.0x)\n", a / b}'
