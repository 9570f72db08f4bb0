#!/usr/bin/env bash
# The transfer-learning experiment's quick form (tfbind-experiment, configs/experiment-quick.toml)
# on the shared chr19-22 bundle, moved to other chromosomes by its config alone (validation chr20,
# test chr19 instead of chr22 and chr21) and with the default path for a new TF (tfbind-transfer)
# as a fifth condition: every table and the plot are produced and agree with each other, each
# model is measured on its target's one fixed test set on the new test chromosome, fine-tuned
# models record their parents, a rerun retrains nothing, and summarise alone remakes the tables.
# `make -C pipeline experiment QUICK=1` runs the shipped config.
source "$(dirname "$0")/../common.sh"
shared_bundle
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Only [split] changes, and a condition is added; --bundle, --work and --out place the run.
sed -e 's/^valid_chroms = .*/valid_chroms = ["chr20"]/' -e 's/^test_chroms = .*/test_chroms = ["chr19"]/' \
  "$ROOT/configs/experiment-quick.toml" > "$tmp/quick.toml"
# A small pre-training (2,000 windows, 1 epoch); TFs with 500 bound windows in the whole bundle
# have about 62 in every 8th window.
cat >> "$tmp/quick.toml" <<'TOML'

[[condition]]
name = "transfer"
kind = "transfer"
settings = { pretrain_windows = 2000, pretrain_epochs = 1, min_bound = 62, min_cobound = 50 }
TOML
run() { tfbind-experiment "$@" --config "$tmp/quick.toml" --bundle "$BUNDLE" --work "$tmp/work" --out "$tmp/out"; }
start=$(date +%s)
run run > "$tmp/log" 2>&1 || { tail -30 "$tmp/log"; fail "tfbind-experiment run (quick)"; }
echo "tfbind-experiment run (quick): $(( $(date +%s) - start )) s"
out="$tmp/out"

# Columns by name: `cols FILE NAME...` prints those columns of a TSV with a header.
cols() {
  awk -F'\t' -v want="${*:2}" 'NR == 1 { n = split(want, w, " "); for (i = 1; i <= n; i++) for (j = 1; j <= NF; j++) if ($j == w[i]) c[i] = j; next }
    { line = $c[1]; for (i = 2; i <= n; i++) line = line "\t" $c[i]; print line }' "$1"
}
# 2 targets × 2 sizes × 1 seed × 5 conditions.
check "results.tsv: a row per model" test "$(tail -n +2 "$out/results.tsv" | wc -l)" -eq 20
check "results.tsv: the header" grep -qx $'target\tsize\tseed\tcondition\ttrain_positives\ttest_positives\ttest_negatives\tauprc\tauroc\tbest_epoch' "$out/results.tsv"
check "results.tsv: AUPRC and AUROC in [0, 1], test sets with both classes" awk -F'\t' '
  !($3 >= 0 && $3 <= 1 && $4 >= 0 && $4 <= 1 && $1 > 0 && $2 > 0) { bad = 1 } END { exit bad }' \
  <(cols "$out/results.tsv" test_positives test_negatives auprc auroc)
check "results.tsv: the five conditions for each target, size and seed" awk -F'\t' '
  { n[$1 " " $2 " " $3]++; c[$4] = 1 }
  END { for (k in n) if (n[k] != 5) exit 1; exit !(("scratch" in c) && ("tf50" in c) && ("cobinding" in c) && ("random" in c) && ("transfer" in c)) }' \
  <(cols "$out/results.tsv" target size seed condition)
check "results.tsv: one test set per target (same counts for every model)" awk -F'\t' '
  { t = $2 " " $3; if (($1 in seen) && seen[$1] != t) exit 1; seen[$1] = t }' \
  <(cols "$out/results.tsv" target test_positives test_negatives)
check "results.tsv: the requested positives were drawn" awk -F'\t' '$1 != $2 { exit 1 }' \
  <(cols "$out/results.tsv" size train_positives)
check "summary.tsv: 5 conditions × 2 sizes, medians over the 2 targets" awk -F'\t' '
  $1 != 2 || $2 < 0 || $2 > 1 { exit 1 } END { exit NR != 10 }' <(cols "$out/summary.tsv" runs median_auprc)
# With one seed, a median over 2 targets is their mean: recomputed from results.tsv.
check "summary.tsv: the medians of results.tsv" awk -F'\t' '
  NR == FNR { s[$1 " " $2] += $3; next } { d = s[$1 " " $2] / 2 - $3; if (d > 1e-3 || d < -1e-3) exit 1 }' \
  <(cols "$out/results.tsv" condition size auprc) <(cols "$out/summary.tsv" condition size median_auprc)
# 4 conditions against scratch and 3 against the reference (tf50), at 2 sizes.
check "paired.tsv: 14 comparisons, wins and losses within the pairs, p in (0, 1]" awk -F'\t' '
  { n++; if ($3 != 2 || $4 + $5 > $3 || !($6 > 0 && $6 <= 1)) exit 1; v[$1 "/" $2]++ }
  END { exit !(n == 14 && v["cobinding/scratch"] == 2 && v["transfer/tf50"] == 2 && !("scratch/tf50" in v)) }' \
  <(cols "$out/paired.tsv" condition versus pairs wins losses sign_test_p)
check "results.md: the median table" grep -q '^| 250 | 0\.[0-9]* | 0\.[0-9]* | 0\.[0-9]* | 0\.[0-9]* | 0\.[0-9]* |$' "$out/results.md"
check "results.md: a table per target, paired tables against scratch and tf50" test \
  "$(grep -c '^### ' "$out/results.md")/$(grep -c '^## Against ' "$out/results.md")" = 2/2
check "results.md: the split it ran on" grep -q 'validation chr20, test chr19' "$out/results.md"
check "auprc.svg is well-formed SVG with a panel per target and all targets" python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg"
assert len(root.findall("{http://www.w3.org/2000/svg}g")) == 3' "$out/auprc.svg"

work=$tmp/work
check "the test windows are the full datasets' chr19 windows" grep -q 'test_chroms = \["chr19"\]' "$work/data/JUND/full/dataset/manifest.toml"
check "no training set holds a test-chromosome window" bash -c '! cut -f1 "$@" | grep -qx chr19' _ "$work"/data/*/[0-9]*/windows/windows.bed
models=("$work"/models/*/*/*)
check "20 model artifacts verify" tfbind-artifact verify -q --kind model "${models[@]}"
check "the transfer sets were chosen without the test chromosome, and say why" bash -c 'for f; do grep -q "\"test_windows_left_out\": 0" "$f" || exit 1; done' _ \
  "$work/sets/JUND.transfer.choice.json" "$work/sets/MAX.transfer.choice.json"
check "fine-tuned models record their parent, scratch ones none" bash -c '
  for m in "$@"; do
    case "$m" in */scratch) [ ! -e "$m/parent.toml" ] || exit 1 ;; *) grep -q manifest_sha256 "$m/parent.toml" || exit 1 ;; esac
  done' _ "${models[@]}"

before=$(fingerprint "$work/models" "$work/pretrain" "$work/pretrained-sets")
cp "$out/results.tsv" "$tmp/results.before"
run run > "$tmp/again.log" 2>&1 || { tail -30 "$tmp/again.log"; fail "second tfbind-experiment run"; }
check "a rerun retrains nothing" test "$before" = "$(fingerprint "$work/models" "$work/pretrain" "$work/pretrained-sets")"
rm "$out/results.tsv"
run summarise -q > /dev/null
check "summarise alone remakes the same results.tsv" cmp "$tmp/results.before" "$out/results.tsv"
check "plan lists the shared task and one per target" test "$(wc -l < "$(run plan -q)")" -eq 4

sed 's/^thin = 8/thinn = 8/' "$tmp/quick.toml" > "$tmp/typo.toml"
code=0; tfbind-experiment plan --config "$tmp/typo.toml" > /dev/null 2> "$tmp/usage.log" || code=$?
check "an unknown key is a usage error naming it and the closest valid one" \
  grep -q "unknown key \`thinn\` (valid keys: .*did you mean thin?" "$tmp/usage.log"
check "… with exit status 2" test "$code" -eq 2
check "make experiment QUICK=1 runs the quick config" bash -c \
  'make -n -C "$1/pipeline" experiment QUICK=1 | grep -q "tfbind-experiment run --config $1/configs/experiment-quick.toml"' _ "$ROOT"
