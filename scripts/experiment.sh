#!/usr/bin/env bash
# The transfer-learning experiment of Novakovsky et al. 2021 (issue 5) on the shared hg38 chr19-22
# bundle, driven through the stage binaries. For each target TF, size and seed it trains four
# single-task models on the same subsample of the target's data and measures them on the same
# test windows:
#   scratch    random initial weights (lr 0.003)
#   tf50       fine-tuned from a 50-TF model (the TFs with the fewest NA), pre-trained without
#              any target TF
#   cobinding  fine-tuned from a 5-TF model of the target's most co-bound TFs
#   random     fine-tuned from a 5-TF model of random TFs
# and reports the median test AUPRC per condition and size (results.tsv, summary.tsv,
# results.md, auprc.png).
#
# Design (see docs/results-experiment.md for why):
#   - one chromosome split everywhere: train chr19+chr20, validation chr22, test chr21;
#   - the target's test windows: the chr21 part of its full dataset (every positive, GC-matched
#     negatives 1:1), drawn once per target and shared by every size, seed and condition
#     (tfbind-finetune --test-dataset);
#   - training data: N positives subsampled (GC-stratified, seed s) from chr19/20/22 with as many
#     GC-matched negatives; TF sets chosen on chr19/20/22 labels only, so the test labels choose
#     nothing; pre-training never trains or validates on chr21.
#
# Usage: scripts/experiment.sh [--quick] [options]
#   --quick                  2 TFs, 50 and 250 positives, 1 seed, 1 pre-training and 2 fine-tuning
#                            epochs, every 8th window of the bundle: checks the outputs (CI)
#   --data DIR               the bundle [../shared/data/hg38-dhs-chr19-22 beside the clone]
#   --work DIR               intermediate artifacts [work/experiment, work/experiment-quick]
#   --out DIR                results [docs/experiment; with --quick, WORK/results]
#   --bin DIR                the stage binaries [target/release]
#   --targets "A B"          target TFs [JUND MAX SPI1 CEBPB FOXA1 REST]; the 50-TF model leaves
#                            every target out, so another list means another 50-TF model
#   --summary-only           train nothing: summarise the models of --targets (a subset of an
#                            earlier run's) into --out
#   --sizes "N ..."          positives per training set [50 125 250 500 1000]
#   --seeds "S ..."          seeds (subsample and fine-tuning) [1 2 3]
#   --pretrain-epochs N      [15, the paper's]     --finetune-epochs N  [10, the paper's]
#   --pretrain-patience N    stop pre-training after N epochs without improvement [none]
#   --thin K                 keep every K-th window of the bundle [1]
#   --threads N              threads of every stage [2]
#   --python FILE            Python with numpy and matplotlib, for the plot [.venv/bin/python]
# Every stage skips artifacts that are up to date, and pre-training and fine-tuning resume from
# their checkpoints, so rerunning after an interruption continues where it stopped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

invocation="scripts/experiment.sh${*:+ $*}"
quick=0 summary_only=0
data="$root/../shared/data/hg38-dhs-chr19-22"
work="" out="" bin="$root/target/release"
targets="JUND MAX SPI1 CEBPB FOXA1 REST"
sizes="50 125 250 500 1000"
seeds="1 2 3"
pre_epochs=15 ft_epochs=10 pre_patience="" thin=1 threads=2
python="$root/.venv/bin/python"
# Fixed by the design, not options: the split, the set sizes, and the minimum number of bound
# windows (on the training chromosomes) of a TF in a 5-TF set, so that "random" means unrelated
# TFs rather than TFs with next to no data (the paper drew from TFs with data).
valid_chrom=chr22 test_chrom=chr21
k_multi=50 k_small=5 min_bound=500 random_seed=1 test_seed=0

die() { echo "experiment.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --summary-only) summary_only=1 ;;
    --data) data=$2; shift ;;
    --work) work=$2; shift ;;
    --out) out=$2; shift ;;
    --bin) bin=$2; shift ;;
    --targets) targets=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --seeds) seeds=$2; shift ;;
    --pretrain-epochs) pre_epochs=$2; shift ;;
    --finetune-epochs) ft_epochs=$2; shift ;;
    --pretrain-patience) pre_patience=$2; shift ;;
    --thin) thin=$2; shift ;;
    --threads) threads=$2; shift ;;
    --python) python=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
if [ "$quick" -eq 1 ]; then
  # Explicit options still win: only what was left at its full-run default changes.
  [ "$targets" = "JUND MAX SPI1 CEBPB FOXA1 REST" ] && targets="JUND MAX"
  [ "$sizes" = "50 125 250 500 1000" ] && sizes="50 250"
  [ "$seeds" = "1 2 3" ] && seeds="1"
  [ "$pre_epochs" = 15 ] && pre_epochs=1
  [ "$ft_epochs" = 10 ] && ft_epochs=2
  [ "$thin" = 1 ] && thin=8
  work=${work:-$root/work/experiment-quick}
else
  work=${work:-$root/work/experiment}
fi
out=${out:-$([ "$quick" -eq 1 ] && echo "$work/results" || echo "$root/docs/experiment")}
# Thinning keeps 1/K of every TF's bound windows: scale the bar for the 5-TF sets with it.
min_bound=$(( min_bound / thin ))
windows_kept=$([ "$thin" -eq 1 ] && echo all || echo "every ${thin}th")

for b in peaks select negatives encode pretrain finetune; do
  [ -x "$bin/tfbind-$b" ] || die "$bin/tfbind-$b is missing: cargo build --release --bins"
done
for f in regions.bed.gz labels.tsv.gz genome.fa.gz; do
  [ -f "$data/$f" ] || die "$data/$f is missing (--data DIR: the hg38-dhs-chr19-22 bundle)"
done
"$python" -c 'import matplotlib, numpy' 2>/dev/null \
  || die "$python cannot import matplotlib and numpy (scripts/setup.sh --test installs them)"
genome="$data/genome.fa.gz"
mkdir -p "$work" "$out"
work=$(cd "$work" && pwd)
out=$(cd "$out" && pwd)

common=(--threads "$threads" -q)
# libtorch's OpenMP threads spin a while when they wait (libgomp's default, read when the
# library loads, so the stages cannot change it themselves). A run of hours shares the machine
# with other work, where spinning starves it: measured here under load, 2-thread pre-training ran
# at 204 windows/s spinning and 734 windows/s passive (on an idle machine passive costs ~14%).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
# Every run appends to timings.tsv, so a run interrupted and continued still adds up to the
# whole experiment's time (an up-to-date stage costs ~0 s).
timings="$work/timings.tsv"
[ -f "$timings" ] || printf 'run\tstage\tname\tseconds\n' > "$timings"
run_id=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log() { printf '[experiment %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# Runs a stage and appends its wall-clock time to timings.tsv.
timed() {
  local stage=$1 name=$2 start
  shift 2
  start=$(date +%s.%N)
  "$@" >/dev/null
  awk -v r="$run_id" -v s="$stage" -v n="$name" -v a="$start" -v b="$(date +%s.%N)" \
    'BEGIN { printf "%s\t%s\t%s\t%.1f\n", r, s, n, b - a }' >> "$timings"
}
started=$(date +%s)

conditions="scratch tf50 cobinding random"
if [ "$summary_only" -eq 1 ]; then
  for tf in $targets; do
    for n in $sizes; do
      for seed in $seeds; do
        for cond in $conditions; do
          m="$work/models/$tf/$n-$seed/$cond"
          [ -f "$m/test_metrics.tsv" ] || die "--summary-only: no model at $m (train it first)"
        done
      done
    done
  done
else # sections 1 to 3 train what is missing
# --- 1. regions: every window, and the training chromosomes only -----------------------------
# The label matrix as the bundle ships it, thinned by window index, and restricted to the
# training chromosomes, imported as two regions artifacts.
inputs="$work/inputs"
mkdir -p "$inputs"
if [ ! -f "$inputs/.done-$thin" ]; then
  log "inputs: splitting the bundle by chromosome (windows kept: $windows_kept)"
  zcat "$data/regions.bed.gz" | awk -v thin="$thin" '(NR - 1) % thin == 0' > "$inputs/all.bed"
  awk -v t="$test_chrom" '$1 != t' "$inputs/all.bed" > "$inputs/train.bed"
  zcat "$data/labels.tsv.gz" > "$inputs/labels.tsv"
  for set in all train; do
    awk -F'\t' 'NR == FNR { keep[$4] = 1; next } FNR == 1 || ($1 in keep)' \
      "$inputs/$set.bed" "$inputs/labels.tsv" > "$inputs/$set.labels.tsv"
  done
  rm "$inputs/labels.tsv"
  touch "$inputs/.done-$thin"
fi
for set in all train; do
  timed regions "$set" "$bin/tfbind-peaks" import --windows "$inputs/$set.bed" \
    --labels "$inputs/$set.labels.tsv" --genome "$genome" --out "$work/regions/$set" "${common[@]}"
done

# --- 2. TF sets, chosen on the training chromosomes' labels only ------------------------------
sets="$work/sets"
mkdir -p "$sets"
n_targets=$(wc -w <<< "$targets")
# --min-bound 1: a TF never bound on the training chromosomes cannot be a pre-training task.
"$bin/tfbind-select" --regions "$work/regions/train" --strategy fewest-na --min-bound 1 \
  -k $(( k_multi + n_targets )) --out "$sets/fewest-na.txt" "${common[@]}" >/dev/null
tr ' ' '\n' <<< "$targets" | grep -v '^$' > "$sets/targets.txt"
grep -vxF -f "$sets/targets.txt" "$sets/fewest-na.txt" | awk -v k="$k_multi" 'NR <= k' > "$sets/tf50.txt"
for tf in $targets; do
  "$bin/tfbind-select" --regions "$work/regions/train" --strategy cobinding --target "$tf" \
    -k "$k_small" --min-bound "$min_bound" --out "$sets/$tf.cobinding.txt" "${common[@]}" >/dev/null
  "$bin/tfbind-select" --regions "$work/regions/train" --strategy random --target "$tf" \
    -k "$k_small" --min-bound "$min_bound" --seed "$random_seed" --out "$sets/$tf.random.txt" \
    "${common[@]}" >/dev/null
done

# --- 3. per target: its pre-trained models, its data, its fine-tuned models -----------------
# Target by target, so that an interrupted run has whole targets done (and --summary-only with
# --targets set to those summarises them).
split=(--split chromosome --valid-chroms "$valid_chrom" --test-chroms "$test_chrom")
pre_args=(--epochs "$pre_epochs" --device cpu)
[ -n "$pre_patience" ] && pre_args+=(--patience "$pre_patience")
pretrain() { # set name
  local set=$1 dir="$work/pretrain/$1"
  log "pre-training $set: $(paste -sd, "$sets/$set.txt")"
  timed negatives "pretrain/$set" "$bin/tfbind-negatives" --regions "$work/regions/all" \
    --genome "$genome" --tfs "$(paste -sd, "$sets/$set.txt")" --out "$dir/windows" "${common[@]}"
  timed encode "pretrain/$set" "$bin/tfbind-encode" --windows "$dir/windows" --genome "$genome" \
    "${split[@]}" --out "$dir/dataset" "${common[@]}"
  timed pretrain "$set" "$bin/tfbind-pretrain" --dataset "$dir/dataset" --out "$dir/model" \
    "${pre_args[@]}" "${common[@]}"
}
pretrain tf50
for tf in $targets; do
  pretrain "$tf.cobinding"
  pretrain "$tf.random"

  dir="$work/data/$tf"
  # The full dataset; only its test split (chr21) is used, as every model's test windows.
  timed negatives "$tf/full" "$bin/tfbind-negatives" --regions "$work/regions/all" \
    --genome "$genome" --tf "$tf" --seed "$test_seed" --out "$dir/full/windows" "${common[@]}"
  timed encode "$tf/full" "$bin/tfbind-encode" --windows "$dir/full/windows" --genome "$genome" \
    "${split[@]}" --out "$dir/full/dataset" "${common[@]}"
  log "fine-tuning $tf"
  for n in $sizes; do
    for seed in $seeds; do
      name="$n-$seed"
      timed negatives "$tf/$name" "$bin/tfbind-negatives" --regions "$work/regions/train" \
        --genome "$genome" --tf "$tf" --max-positives "$n" --seed "$seed" \
        --out "$dir/$name/windows" "${common[@]}"
      # No test chromosome in the training regions: the test windows are the full dataset's.
      timed encode "$tf/$name" "$bin/tfbind-encode" --windows "$dir/$name/windows" \
        --genome "$genome" --split chromosome --valid-chroms "$valid_chrom" --test-chroms '' \
        --out "$dir/$name/dataset" "${common[@]}"
      for cond in $conditions; do
        case "$cond" in
          scratch) from=(--init scratch --architecture convnet-deep) ;;
          tf50) from=(--pretrained "$work/pretrain/tf50/model") ;;
          *) from=(--pretrained "$work/pretrain/$tf.$cond/model") ;;
        esac
        timed finetune "$tf/$name/$cond" "$bin/tfbind-finetune" "${from[@]}" \
          --dataset "$dir/$name/dataset" --test-dataset "$dir/full/dataset" \
          --epochs "$ft_epochs" --seed "$seed" --device cpu \
          --out "$work/models/$tf/$name/$cond" "${common[@]}"
      done
    done
  done
done
fi # sections 1 to 3

# --- 6. results --------------------------------------------------------------------------------
log "summarising into $out"
results="$out/results.tsv"
printf 'target\tsize\tseed\tcondition\ttrain_positives\ttest_positives\ttest_negatives\tauprc\tauroc\tbest_epoch\n' > "$results"
for tf in $targets; do
  for n in $sizes; do
    for seed in $seeds; do
      # Positives actually drawn (fewer than asked when the TF has fewer).
      drawn=$(awk -F'\t' 'NR > 1 { s += $4 } END { print s }' "$work/data/$tf/$n-$seed/windows/gc.tsv")
      for cond in $conditions; do
        m="$work/models/$tf/$n-$seed/$cond"
        best=$(awk -F'\t' 'NR > 1 && $6 == 1 { print $1 }' "$m/epochs.tsv")
        awk -F'\t' -v OFS='\t' -v tf="$tf" -v n="$n" -v seed="$seed" -v c="$cond" -v d="$drawn" \
          -v best="$best" 'NR == 2 { print tf, n, seed, c, d, $2, $3, $5, $4, best }' \
          "$m/test_metrics.tsv" >> "$results"
      done
    done
  done
done

# Medians over targets and seeds (mawk has no sort function: sort first, then take the middle).
median_by() { # key columns (awk expressions joined by tabs) → key, n, median AUPRC
  awk -F'\t' -v OFS='\t' "NR > 1 { print $1, \$8 }" "$results" | sort -t$'\t' -k1,${2}V -k$(( $2 + 1 )),$(( $2 + 1 ))g \
    | awk -F'\t' -v OFS='\t' -v k="$2" '
        function flush() { if (n) print key, n, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }
        { cur = $1; for (i = 2; i <= k; i++) cur = cur OFS $i
          if (cur != key) { flush(); key = cur; n = 0 }
          v[++n] = $(k + 1) }
        END { flush() }'
}
{
  printf 'condition\tsize\truns\tmedian_auprc\n'
  median_by '$4, $2' 2
} > "$out/summary.tsv"
{
  printf 'target\tcondition\tsize\truns\tmedian_auprc\n'
  median_by '$1, $4, $2' 3
} > "$out/per_target.tsv"
# Paired with scratch: the same target, size and seed (the same training and test windows).
awk -F'\t' -v OFS='\t' '
  NR == 1 { next }
  { a[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4] = $8; sizes[$2] = 1; conds[$4] = 1; keys[$1 SUBSEP $2 SUBSEP $3] = 1 }
  END {
    print "condition", "size", "pairs", "wins_vs_scratch", "mean_delta_auprc"
    for (c in conds) { if (c == "scratch") continue
      for (s in sizes) { p = w = d = 0
        for (k in keys) { split(k, f, SUBSEP); if (f[2] != s) continue
          x = a[k SUBSEP c]; y = a[k SUBSEP "scratch"]
          if (x == "NA" || y == "NA" || x == "" || y == "") continue
          p++; d += x - y; if (x > y) w++ }
        if (p) printf "%s\t%s\t%d\t%d\t%.4f\n", c, s, p, w, d / p } } }' "$results" \
  | { IFS= read -r header; echo "$header"; sort -t$'\t' -k1,1 -k2,2n; } > "$out/paired.tsv"

cp "$timings" "$out/timings.tsv"
total=$(( $(date +%s) - started ))

# --- 7. the markdown table and the plot ---------------------------------------------------------
# A table with one row per size and one column per condition, from "condition size ... value"
# rows; the cell text is built by the caller's awk expression over the row's fields.
table() { # file, cell expression, header of the first column, conditions (columns)
  awk -F'\t' -v conds="$4" -v first="$3" "
    NR == 1 { next }
    { cell[\$1 SUBSEP \$2] = $2; seen[\$2] = 1 }
    END {
      nc = split(conds, c, \" \"); line = \"| \" first; rule = \"|---\"
      for (i = 1; i <= nc; i++) { line = line \" | \" c[i]; rule = rule \"|---\" }
      print line \" |\"; print rule \"|\"
      ns = 0; for (s in seen) sz[++ns] = s + 0
      for (i = 1; i <= ns; i++) for (j = i + 1; j <= ns; j++) if (sz[j] < sz[i]) { t = sz[i]; sz[i] = sz[j]; sz[j] = t }
      for (i = 1; i <= ns; i++) { line = \"| \" sz[i]
        for (j = 1; j <= nc; j++) { v = cell[c[j] SUBSEP sz[i]]; line = line \" | \" (v == \"\" ? \"–\" : v) }
        print line \" |\" } }" "$1"
}
{
  echo "# Transfer-learning experiment: results"
  echo
  echo "Targets: $(printf '%s, ' $targets | sed 's/, $//'); positives per training set: $(echo $sizes | tr ' ' ,);"
  echo "seeds: $(echo $seeds | tr ' ' ,). Epochs: pre-training $pre_epochs${pre_patience:+ (patience $pre_patience)}, fine-tuning $ft_epochs;"
  echo "windows of the bundle: $windows_kept; $threads threads. Made by \`$invocation\`."
  echo
  echo "## Median test AUPRC over targets and seeds"
  echo
  table "$out/summary.tsv" 'sprintf("%.3f", $4)' positives "$conditions"
  echo
  echo "## Against scratch, paired (same target, size, seed: the same training and test windows)"
  echo
  echo "Wins / pairs, and the mean AUPRC difference to scratch."
  echo
  table "$out/paired.tsv" 'sprintf("%d/%d (%+.3f)", $4, $3, $5)' positives "${conditions#scratch }"
  echo
  echo "## Median test AUPRC per target (over seeds)"
  echo
  for tf in $targets; do
    echo "### $tf"
    echo
    awk -F'\t' -v OFS='\t' -v tf="$tf" 'NR == 1 || $1 == tf { print $2, $3, $4, $5 }' "$out/per_target.tsv" \
      > "$work/per_target.$tf.tsv"
    table "$work/per_target.$tf.tsv" 'sprintf("%.3f", $4)' positives "$conditions"
    echo
  done
  echo "## Time"
  echo
  echo "Wall-clock seconds per stage, summed over every run of the script in \`${work#"$root"/}\`"
  echo "($(cut -f1 "$timings" | tail -n +2 | sort -u | wc -l) runs; an up-to-date stage counts ~0 s):"
  echo
  echo "| stage | artifacts | seconds |"
  echo "|---|---|---|"
  awk -F'\t' 'NR > 1 { if (!(($2, $3) in seen)) { seen[$2, $3] = 1; n[$2]++ }; t[$2] += $4; all += $4 }
    END { for (s in n) printf "| %s | %d | %.0f |\n", s, n[s], t[s]; printf "| total | | %.0f |\n", all }' \
    "$timings" | sort -t'|' -k2,2 | awk '/\| total/ { last = $0; next } { print } END { print last }'
  echo
  echo "This run of the script: ${total} s."
} > "$out/results.md"
"$python" "$root/scripts/experiment_plot.py" "$out/summary.tsv" "$out/per_target.tsv" \
  "$results" "$out/auprc.png"
log "done in ${total} s: $out/results.md, $out/auprc.png"
