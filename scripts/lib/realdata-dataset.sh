# Sourced by scripts/bench-train.sh and scripts/pretrain-check.sh: builds issue 4's real-data
# dataset in $work/{regions,windows,dataset} — the 50 TFs with the fewest NA on the shared hg38
# chr19-22 bundle, valid chr22, test chr21 — from $bundle with the binaries in $bin. Each stage
# is skipped when its artifact is up to date.
"$bin/tfbind-peaks" import -q --windows "$bundle/regions.bed.gz" --labels "$bundle/labels.tsv.gz" \
  --genome "$bundle/genome.fa.gz" --out "$work/regions" >/dev/null
"$bin/tfbind-negatives" -q --regions "$work/regions" --genome "$bundle/genome.fa.gz" \
  --fewest-na 50 --out "$work/windows" >/dev/null
"$bin/tfbind-encode" -q --windows "$work/windows" --genome "$bundle/genome.fa.gz" \
  --split chromosome --valid-chroms chr22 --test-chroms chr21 --out "$work/dataset" >/dev/null
