#!/usr/bin/env bash
# The Makefile pipeline end to end on a small slice of data/example: every artifact is produced and
# verifies; a second `make` does no work; `make finetune` for a new TF takes the default path
# (tfbind-transfer: a chosen set, a small pre-trained model shared by a second TF choosing the same
# set, its pre-training started from the project's pre-trained model) and leaves the regions and
# pre-training artifacts untouched (same mtimes and checksums); INIT= pre-trains from random
# weights; FROM= fine-tunes from the pre-trained model; usage errors exit 2.
source "$(dirname "$0")/../common.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
small_bundle "$tmp/data" 12000
# tfbind-transfer's small pre-training at test size: 12,000 windows hold few TFs with 300 bound.
printf '\n[transfer]\nk = 3\nmin_bound = 20\npretrain_windows = 1000\npretrain_epochs = 1\n' >> "$tmp/data/tiny.toml"
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

# A new TF, not in the regions artifact, from its own peak file: the default path.
zcat "$ROOT/data/example/peaks/HNF4A.narrowPeak.gz" | gzip > "$tmp/novel.narrowPeak.gz"
upstream=$(fingerprint "$tmp/work/regions" "$tmp/work/pretrain")
make -s -C "$ROOT/pipeline" finetune TF=NOVEL PEAKS="$tmp/novel.narrowPeak.gz" "${vars[@]}" \
  > "$tmp/novel.log" 2>&1 || { tail -30 "$tmp/novel.log"; fail "make finetune TF=NOVEL"; }
check "the new TF's model verifies" tfbind-artifact verify -q --kind model "$tmp/work/new/NOVEL/model"
check "pre-training artifacts untouched by make finetune" test "$upstream" = "$(fingerprint "$tmp/work/regions" "$tmp/work/pretrain")"
check "the new TF is the model's only task" test "$(cat "$tmp/work/new/NOVEL/model/tasks.txt")" = NOVEL
check "its manifest records the chosen set" grep -q '^\[parameters.transfer\]' "$tmp/work/new/NOVEL/model/manifest.toml"
entry=$(dirname "$(sed -n 's/^path = "\(.*\)"$/\1/p' "$tmp/work/new/NOVEL/model/parent.toml")")
check "fine-tuned from a small model in WORK/pretrained-sets" test "$(dirname "$entry")" = "$tmp/work/pretrained-sets"
chosen=$(sed -n 's/^tfs = \["\([^"]*\)".*/\1/p' "$tmp/work/new/NOVEL/model/manifest.toml")
check "whose key names the chosen set (first: ${chosen:-none})" grep -q "\"$chosen\"" "$entry/key.toml"
pre_sha=$(sha256sum "$tmp/work/pretrain/model/manifest.toml" | cut -d' ' -f1)
check "the small model started from the project's pre-trained model" grep -q "$pre_sha" "$entry/model/parent.toml"
check "which keys its cache entry" grep -q "^init_manifest_sha256 = \"$pre_sha\"" "$entry/key.toml"
cache_before=$(fingerprint "$tmp/work/pretrained-sets")
make -s -C "$ROOT/pipeline" finetune TF=NOVEL2 PEAKS="$tmp/novel.narrowPeak.gz" "${vars[@]}" \
  > "$tmp/novel2.log" 2>&1 || { tail -30 "$tmp/novel2.log"; fail "make finetune TF=NOVEL2"; }
check "a second TF with the same set reuses its pre-trained model" test "$cache_before" = "$(fingerprint "$tmp/work/pretrained-sets")"
check "and its model verifies" tfbind-artifact verify -q --kind model "$tmp/work/new/NOVEL2/model"
make -s -C "$ROOT/pipeline" finetune TF=NOVEL3 PEAKS="$tmp/novel.narrowPeak.gz" FROM="$tmp/work/pretrain/model" "${vars[@]}" \
  > "$tmp/novel3.log" 2>&1 || { tail -30 "$tmp/novel3.log"; fail "make finetune TF=NOVEL3 FROM=..."; }
check "FROM= fine-tunes from the pre-trained model" \
  grep -q "$pre_sha" "$tmp/work/new/NOVEL3/model/parent.toml"
make -s -C "$ROOT/pipeline" finetune TF=NOVEL4 PEAKS="$tmp/novel.narrowPeak.gz" INIT= "${vars[@]}" \
  > "$tmp/novel4.log" 2>&1 || { tail -30 "$tmp/novel4.log"; fail "make finetune TF=NOVEL4 INIT="; }
entry4=$(dirname "$(sed -n 's/^path = "\(.*\)"$/\1/p' "$tmp/work/new/NOVEL4/model/parent.toml")")
check "INIT= pre-trains the set from random weights, in an entry of its own" \
  test "$entry4" != "$entry" -a ! -e "$entry4/model/parent.toml"

if make -s -C "$ROOT/pipeline" finetune "${vars[@]}" > "$tmp/usage.log" 2>&1; then
  fail "make finetune without TF succeeded"
fi
check "make finetune without TF says how to call it" grep -q "usage: make finetune TF=NAME PEAKS=FILE" "$tmp/usage.log"
