#!/usr/bin/env bash
# The Makefile pipeline end to end on a small slice of data/example: every artifact is produced and
# verifies; a second `make` does no work; `make finetune` for a new TF leaves every pre-training
# artifact untouched (same mtimes and checksums); usage errors exit 2.
source "$(dirname "$0")/../common.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
small_bundle "$tmp/data" 12000
vars=(WINDOWS_BED="$tmp/data/regions.bed.gz" LABELS="$tmp/data/labels.tsv.gz"
      CONFIG="$tmp/data/tiny.toml" WORK="$tmp/work" TFS="FOXA2 JUNB" THREADS=2)

make -s -C "$ROOT/pipeline" demo "${vars[@]}" > "$tmp/demo.log" 2>&1 || { tail -30 "$tmp/demo.log"; fail "make demo"; }
artifacts=("$tmp/work/regions" "$tmp/work/pretrain/windows" "$tmp/work/pretrain/dataset"
           "$tmp/work/pretrain/model" "$tmp/work/pretrain/motifs")
for tf in FOXA2 JUNB; do
  artifacts+=("$tmp/work/tf/$tf/windows" "$tmp/work/tf/$tf/dataset" "$tmp/work/tf/$tf/model" "$tmp/work/tf/$tf/motifs")
done
check "every demo artifact verifies" tfbind-artifact verify -q "${artifacts[@]}"
check "the fine-tuned model records the pre-trained one as its parent" \
  grep -q "$(sha256sum "$tmp/work/pretrain/model/manifest.toml" | cut -d' ' -f1)" "$tmp/work/tf/FOXA2/model/parent.toml"
check "and pins it as an input" grep -q 'kind = "model"' "$tmp/work/tf/FOXA2/model/manifest.toml"
check "a report per model" test -s "$tmp/work/tf/JUNB/motifs/report.html" -a -s "$tmp/work/pretrain/motifs/report.html"

before=$(fingerprint "$tmp/work")
make -s -C "$ROOT/pipeline" demo "${vars[@]}" > "$tmp/again.log" 2>&1 || fail "second make demo"
check "a second make demo changes nothing" test "$before" = "$(fingerprint "$tmp/work")"

# A new TF, not in the regions artifact, from its own peak file.
zcat "$ROOT/data/example/peaks/HNF4A.narrowPeak.gz" | gzip > "$tmp/novel.narrowPeak.gz"
upstream=$(fingerprint "$tmp/work/regions" "$tmp/work/pretrain")
make -s -C "$ROOT/pipeline" finetune TF=NOVEL PEAKS="$tmp/novel.narrowPeak.gz" "${vars[@]}" \
  > "$tmp/novel.log" 2>&1 || { tail -30 "$tmp/novel.log"; fail "make finetune TF=NOVEL"; }
check "the new TF's model verifies" tfbind-artifact verify -q --kind model "$tmp/work/new/NOVEL/model"
check "pre-training artifacts untouched by make finetune" test "$upstream" = "$(fingerprint "$tmp/work/regions" "$tmp/work/pretrain")"
check "the new TF is the model's only task" test "$(cat "$tmp/work/new/NOVEL/model/tasks.txt")" = NOVEL

if make -s -C "$ROOT/pipeline" finetune "${vars[@]}" > "$tmp/usage.log" 2>&1; then
  fail "make finetune without TF succeeded"
fi
check "make finetune without TF says how to call it" grep -q "usage: make finetune TF=NAME PEAKS=FILE" "$tmp/usage.log"
