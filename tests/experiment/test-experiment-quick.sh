#!/usr/bin/env bash
# The transfer-learning experiment's --quick form (scripts/experiment.sh) on the shared chr19-22
# bundle: every table and the plot are produced and well formed, each model is measured on its
# target's one fixed test set, fine-tuned models record their parents, and a rerun retrains nothing.
source "$(dirname "$0")/../common.sh"
shared_bundle
data=$BUNDLE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

start=$(date +%s)
"$ROOT/scripts/experiment.sh" --quick --data "$data" --work "$tmp/work" --out "$tmp/out" \
  > "$tmp/log" 2>&1 || { tail -30 "$tmp/log"; fail "experiment.sh --quick"; }
echo "experiment.sh --quick: $(( $(date +%s) - start )) s"
out="$tmp/out"

# 2 targets × 2 sizes × 1 seed × 4 conditions.
check "results.tsv: a row per model" test "$(tail -n +2 "$out/results.tsv" | wc -l)" -eq 16
check "results.tsv: the header" grep -qx $'target\tsize\tseed\tcondition\ttrain_positives\ttest_positives\ttest_negatives\tauprc\tauroc\tbest_epoch' "$out/results.tsv"
check "results.tsv: AUPRC and AUROC in [0, 1], test sets with both classes" awk -F'\t' '
  NR > 1 && !($8 >= 0 && $8 <= 1 && $9 >= 0 && $9 <= 1 && $6 > 0 && $7 > 0) { bad = 1 } END { exit bad }' "$out/results.tsv"
check "results.tsv: the four conditions for each target, size and seed" awk -F'\t' '
  NR > 1 { n[$1 " " $2 " " $3]++; c[$4] = 1 }
  END { for (k in n) if (n[k] != 4) exit 1; exit !(("scratch" in c) && ("tf50" in c) && ("cobinding" in c) && ("random" in c)) }' "$out/results.tsv"
check "results.tsv: one test set per target (same counts for every model)" awk -F'\t' '
  NR > 1 { t = $6 " " $7; if (($1 in seen) && seen[$1] != t) exit 1; seen[$1] = t }' "$out/results.tsv"
check "results.tsv: the requested positives were drawn" awk -F'\t' 'NR > 1 && $5 != $2 { exit 1 }' "$out/results.tsv"
check "summary.tsv: 4 conditions × 2 sizes" test "$(tail -n +2 "$out/summary.tsv" | wc -l)" -eq 8
check "summary.tsv: medians over the 2 targets" awk -F'\t' 'NR > 1 && ($3 != 2 || $4 < 0 || $4 > 1) { exit 1 }' "$out/summary.tsv"
check "paired.tsv: 3 transfer conditions × 2 sizes" test "$(tail -n +2 "$out/paired.tsv" | wc -l)" -eq 6
check "results.md: the median table" grep -q '^| 250 | 0\.[0-9]* | 0\.[0-9]* | 0\.[0-9]* | 0\.[0-9]* |$' "$out/results.md"
check "results.md: a table per target" test "$(grep -c '^### ' "$out/results.md")" -eq 2
check "auprc.png is a PNG" test "$(head -c 8 "$out/auprc.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a

models=("$tmp"/work/models/*/*/*)
check "16 model artifacts verify" tfbind-artifact verify -q --kind model "${models[@]}"
check "fine-tuned models record their parent, scratch ones none" bash -c '
  for m in "$@"; do
    case "$m" in */scratch) [ ! -e "$m/parent.toml" ] || exit 1 ;; *) grep -q manifest_sha256 "$m/parent.toml" || exit 1 ;; esac
  done' _ "${models[@]}"

before=$(fingerprint "$tmp/work/models" "$tmp/work/pretrain")
"$ROOT/scripts/experiment.sh" --quick --data "$data" --work "$tmp/work" --out "$tmp/out" \
  > "$tmp/again.log" 2>&1 || { tail -30 "$tmp/again.log"; fail "second experiment.sh --quick"; }
check "a rerun retrains nothing" test "$before" = "$(fingerprint "$tmp/work/models" "$tmp/work/pretrain")"

if "$ROOT/scripts/experiment.sh" --bogus > "$tmp/usage.log" 2>&1; then fail "--bogus accepted"; fi
check "an unknown option is a usage error" grep -q "unknown argument '--bogus'" "$tmp/usage.log"
