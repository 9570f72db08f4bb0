#!/usr/bin/env bash
# Issue 4's real-data check: pre-train the paper's ConvNetDeep on the 50 TFs with the fewest NA
# on the shared hg38 chr19-22 bundle (valid chr22, test chr21) and write the per-TF test
# metrics, the training curve, the run time and the machine into a markdown report.
#
#   scripts/pretrain-check.sh [--patience N] [--epochs N] [--threads N] [--out FILE]
#       defaults: the paper's 15 epochs (no patience), 2 threads, docs/results-pretrain.md
#
# Bound windows carry their motif (the bundle's labels require a UniBind site), so a working
# model separates them well: the script exits 1 if any of NRF1, CEBPB, SPI1, MAX has a test
# AUROC at or below 0.8. Rerunning resumes an interrupted pre-training from its checkpoint.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
epochs=15 patience="" threads=2 report=docs/results-pretrain.md
invocation="scripts/pretrain-check.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs=$2; shift ;;
    --patience) patience=$2; shift ;;
    --threads) threads=$2; shift ;;
    --out) report=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "pretrain-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
bundle=${TFBIND_BUNDLE:-$root/../shared/data/hg38-dhs-chr19-22}
[ -f "$bundle/genome.fa.gz" ] || { echo "pretrain-check.sh: no bundle at $bundle" >&2; exit 1; }
work=$root/work/pretrain-check
bin=$root/target/release
log() { printf '[pretrain-check %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building (release)"
commit=$(git -C "$root" describe --always --dirty)
cargo build --release --quiet -p tfbind-peaks -p tfbind-negatives -p tfbind-encode -p tfbind-pretrain
mkdir -p "$work"
log "dataset: 50 TFs with the fewest NA, valid chr22, test chr21"
. "$root/scripts/lib/realdata-dataset.sh"

args=(--dataset "$work/dataset" --out "$work/model" --epochs "$epochs" --threads "$threads" --device cpu)
[ -n "$patience" ] && args+=(--patience "$patience")
log "pre-training: ${args[*]}"
start=$(date +%s)
"$bin/tfbind-pretrain" "${args[@]}" >&2
seconds=$(( $(date +%s) - start ))

model=$work/model
metrics=$model/test_metrics.tsv
median() { # column of test_metrics.tsv, NA left out
  awk -F'\t' -v c="$1" 'NR > 1 && $c != "NA" { print $c }' "$metrics" | sort -g \
    | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
# Training time from the model's own log: the rerun of an up-to-date model takes ~0 s.
train_seconds=$(awk -F'\t' 'NR > 1 { s += $4 } END { printf "%.0f", s }' "$model/epochs.tsv")
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
  echo "# Pre-training on real data: 50 TFs, hg38 chr19-22"
  echo
  echo "Made by \`$invocation\` (report at $commit; model created $(awk -F'"' '/^created/ { print $2; exit }' "$model/manifest.toml"))."
  echo "Dataset: the 50 TFs with the fewest NA among the bundle's 162, every DHS window bound by at"
  echo "least one of them plus GC-matched unbound windows (tfbind-negatives --fewest-na 50); train"
  echo "chr19+chr20, validation chr22, test chr21 ($(awk -F'[:,]' '/"train"/ { gsub(/ /, "", $2); t = $2 } /"valid"/ { gsub(/ /, "", $2); v = $2 } /"test"/ { gsub(/ /, "", $2); s = $2 } END { print t " / " v " / " s }' "$work/dataset/summary.json") windows)."
  echo "Model: ConvNetDeep, Adam lr 0.003, batch 100, reverse-complement augmentation, at most"
  echo "$epochs epochs${patience:+ (patience $patience)}, the epoch with the lowest validation loss kept; seed 1."
  echo
  echo "Machine: $(nproc) cores ($cpu), $threads threads, CPU. Training took ${train_seconds} s"
  echo "(sum of the epochs' times in epochs.tsv; the whole command ${seconds} s on its last run)."
  echo "Epoch times follow the machine's load; the fastest epoch took $(awk -F'\t' 'NR > 1 && (m == "" || $4 < m) { m = $4 } END { printf "%.0f", m }' "$model/epochs.tsv") s."
  echo
  echo "## Summary"
  echo
  echo "Median test AUROC $(median 4 | xargs printf %.3f), median AUPRC (average precision)"
  echo "$(median 5 | xargs printf %.3f) over the TFs with test positives (tasks without any have NA metrics)."
  echo
  echo "| TF | AUROC | AUPRC |"
  echo "|---|---|---|"
  for tf in NRF1 CEBPB SPI1 MAX; do
    awk -F'\t' -v tf="$tf" '$1 == tf { printf "| %s | %.3f | %.3f |\n", $1, $4, $5 }' "$metrics"
  done
  echo
  echo "## Training"
  echo
  echo "| epoch | train loss | valid loss | seconds | windows/s | kept |"
  echo "|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, ($6 == 1 ? "yes" : "") }' "$model/epochs.tsv"
  echo
  echo "## Every TF (test split, chr21), by AUROC"
  echo
  echo "| TF | positives | negatives | AUROC | AUPRC | AUPRC (trapezoid) | MCC |"
  echo "|---|---|---|---|---|---|---|"
  # NA (no test positives) sorts last; numbers print with 3 decimals.
  awk -F'\t' -v OFS='\t' 'NR > 1 { print ($4 == "NA" ? -1 : $4), $0 }' "$metrics" | sort -t$'\t' -k1,1gr | cut -f2- \
    | awk -F'\t' 'function f(v) { return v == "NA" ? v : sprintf("%.3f", v) }
        { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, f($4), f($5), f($6), f($7) }'
} > "$report.tmp"
mv "$report.tmp" "$report"
log "report: $report"

failed=$(awk -F'\t' '($1 == "NRF1" || $1 == "CEBPB" || $1 == "SPI1" || $1 == "MAX") && $4 <= 0.8 { print $1 }' "$metrics")
[ -z "$failed" ] || { log "AUROC at or below 0.8 for: $failed"; exit 1; }
log "NRF1, CEBPB, SPI1, MAX: test AUROC above 0.8"
