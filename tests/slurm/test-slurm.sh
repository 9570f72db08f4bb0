#!/usr/bin/env bash
# The Slurm scripts on a real single-node Slurm (munged + slurmctld + slurmd started here):
# 1. submit.sh chains pre-training -> a 3-TF fine-tune array -> interpretation; every artifact verifies.
# 2. a second array over 3 new TFs has one task cancelled mid-run; no half-written artifact is left,
#    and resubmitting completes the set.
#    Then an array of two new TFs from peak files (--skip-pretrain) takes the default path
#    (tfbind-transfer): both choose the same set, run at once, and its small model is built once.
# 3. submit-variants.sh scores the example VCF with two fine-tuned models as a 2-shard array and a
#    merge job; the merged table equals a single process's.
# 4. submit-experiment.sh runs a tiny transfer-learning experiment (2 targets, a hashed split): the
#    shared task, the per-target array and the summary complete, with a table row per model.
source "$(dirname "$0")/../common.sh"
tmp=$(mktemp -d)
cluster=$tmp/cluster
cleanup() { "$ROOT/tests/slurm/cluster.sh" stop "$cluster" || true; rm -rf "$tmp"; }
trap cleanup EXIT
small_bundle "$tmp/data" 12000
# tfbind-transfer's small pre-training at test size: 12,000 windows hold few TFs with 300 bound.
printf '\n[transfer]\nk = 3\nmin_bound = 20\npretrain_windows = 1000\npretrain_epochs = 1\n' >> "$tmp/data/tiny.toml"
env_line=$("$ROOT/tests/slurm/cluster.sh" start "$cluster") || fail "could not start the Slurm cluster"
eval "$env_line"
export TFBIND_MAKE_VARS="WINDOWS_BED=$tmp/data/regions.bed.gz LABELS=$tmp/data/labels.tsv.gz"
submit() { "$ROOT/pipeline/slurm/submit.sh" --config "$tmp/data/tiny.toml" --work "$tmp/work" --no-build "$@"; }

# job_states ID: the state of the job, or of every task of an array job, one per line.
job_states() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }
# wait_done ID SECONDS: until no task of the job is pending or running.
wait_done() {
  local id=$1 deadline=$((SECONDS + $2))
  while job_states "$id" | grep -qE 'PENDING|RUNNING|CONFIGURING|COMPLETING'; do
    [ $SECONDS -lt $deadline ] || { scontrol show job "$id" >&2; fail "job $id still running after $2 s"; }
    sleep 1
  done
}
job_of() { awk -v s="$1" '$1 == s {print $2}' "$tmp/work/slurm/jobs.tsv"; }
all_completed() { [ -n "$(job_states "$1")" ] && ! job_states "$1" | grep -qv COMPLETED; }

# --- 1: the chained pipeline --------------------------------------------------------------------
printf 'FOXA2\nJUNB\n# a comment\nCREM\n' > "$tmp/tfs.txt"
submit --tfs "$tmp/tfs.txt" > "$tmp/submit.log"
pre=$(job_of pretrain); ft=$(job_of finetune); it=$(job_of interpret)
check "three chained jobs submitted" test -n "$pre" -a -n "$ft" -a -n "$it"
wait_done "$it" 900
for id in "$pre" "$ft" "$it"; do
  all_completed "$id" || { tail -n 20 "$tmp"/work/slurm/*.out >&2; fail "job $id: $(job_states "$id" | sort | uniq -c | tr '\n' ' ')"; }
done
echo "ok - pretrain, the 3-task array and interpret all COMPLETED"
check "the array ran one task per TF" test "$(job_states "$ft" | wc -l)" -eq 3
models=()
for tf in FOXA2 JUNB CREM; do models+=("$tmp/work/tf/$tf/model"); done
check "every artifact verifies" tfbind-artifact verify -q "$tmp/work/regions" "$tmp/work/pretrain/model" \
  "$tmp/work/pretrain/motifs" "${models[@]}" "$tmp/work/tf/CREM/motifs"

# --- 2: cancel one array task mid-run, resubmit ---------------------------------------------------
# Longer fine-tuning (tiny datasets: a fraction of a second per epoch) so the cancel lands mid-run.
awk '/^\[/ { section = $0 } section == "[finetune]" && /^epochs = / { $0 = "epochs = 40" } { print }' \
  "$tmp/data/tiny.toml" > "$tmp/data/long.toml"
submit() { "$ROOT/pipeline/slurm/submit.sh" --config "$tmp/data/long.toml" --work "$tmp/work" --no-build "$@"; }
pretrain_before=$(fingerprint "$tmp/work/pretrain")
printf 'HNF4A\nFOSL1\nTFAP2C\n' > "$tmp/new.txt"
submit --tfs "$tmp/new.txt" --skip-pretrain --no-interpret --max-parallel 3 > "$tmp/submit2.log"
ft2=$(job_of finetune)
# Cancel task 2 once it is training: it has written a checkpoint, and no model yet.
deadline=$((SECONDS + 300))
until ls -d "$tmp"/work/tf/FOSL1/.model.checkpoints/epoch-* > /dev/null 2>&1 && job_states "${ft2}_2" | grep -q RUNNING; do
  [ $SECONDS -lt $deadline ] || fail "task 2 never reached fine-tuning"
  job_states "${ft2}_2" | grep -qE 'COMPLETED|FAILED' && fail "task 2 ended before it could be cancelled"
  sleep 0.2
done
scancel "${ft2}_2"
wait_done "$ft2" 600
cancelled() { job_states "${ft2}_2" | grep -q CANCELLED; }
check "the cancelled task is CANCELLED" cancelled
half=$(find "$tmp/work/tf" -mindepth 2 -maxdepth 2 -type d ! -name '.*' ! -exec test -f '{}/manifest.toml' ';' -print)
check "no artifact directory without its manifest (${half:-none})" test -z "$half"
check "no model for the cancelled TF" test ! -e "$tmp/work/tf/FOSL1/model/manifest.toml"

submit --tfs "$tmp/new.txt" --skip-pretrain --no-interpret > "$tmp/submit3.log"
ft3=$(job_of finetune)
wait_done "$ft3" 600
check "the resubmitted array COMPLETED" all_completed "$ft3"
check "all three new models verify" tfbind-artifact verify -q --kind model \
  "$tmp/work/tf/HNF4A/model" "$tmp/work/tf/FOSL1/model" "$tmp/work/tf/TFAP2C/model"
check "pre-training untouched by fine-tune arrays" test "$pretrain_before" = "$(fingerprint "$tmp/work/pretrain")"

# New TFs from peak files: the default path, two array tasks with the same set at the same time.
zcat "$ROOT/data/example/peaks/HNF4A.narrowPeak.gz" | gzip > "$tmp/novel.narrowPeak.gz"
printf 'NOVELA\t%s\nNOVELB\t%s\n' "$tmp/novel.narrowPeak.gz" "$tmp/novel.narrowPeak.gz" > "$tmp/novel.txt"
"$ROOT/pipeline/slurm/submit.sh" --config "$tmp/data/tiny.toml" --work "$tmp/work" --no-build \
  --tfs "$tmp/novel.txt" --skip-pretrain --no-interpret > "$tmp/submit4.log"
ft4=$(job_of finetune)
wait_done "$ft4" 600
all_completed "$ft4" || { tail -n 20 "$tmp"/work/slurm/tfbind-finetune-"$ft4"_*.out >&2; fail "job $ft4: $(job_states "$ft4" | sort | uniq -c | tr '\n' ' ')"; }
echo "ok - the default-path array COMPLETED"
check "both new TFs' models verify" tfbind-artifact verify -q --kind model \
  "$tmp/work/new/NOVELA/model" "$tmp/work/new/NOVELB/model"
check "both record their chosen set" grep -q '^\[parameters.transfer\]' \
  "$tmp/work/new/NOVELA/model/manifest.toml" "$tmp/work/new/NOVELB/model/manifest.toml"
check "one small pre-trained model for the shared set" test "$(ls "$tmp/work/pretrained-sets" | wc -l)" -eq 1
trained=$(grep -l "pre-training architecture" "$tmp"/work/slurm/tfbind-finetune-"$ft4"_*.out | wc -l)
check "pre-trained by one task only ($trained)" test "$trained" -eq 1
check "pre-training untouched by the default path" test "$pretrain_before" = "$(fingerprint "$tmp/work/pretrain")"

# --- 3: variant effects as a 2-shard array + merge ------------------------------------------------
vsub() {
  "$ROOT/pipeline/slurm/submit-variants.sh" --no-build --variants "$ROOT/data/example/variants.vcf" \
    --genome "$ROOT/data/example/genome.fa.gz" --model "$tmp/work/tf/FOXA2/model" \
    --model "$tmp/work/tf/JUNB/model" --shards 2 --time 0:20:00 --mem 2G --cpus 1 "$@"
}
vsub --out "$tmp/variants" > "$tmp/vsubmit.log"
vscore=$(awk '$1 == "score" {print $2}' "$tmp/vsubmit.log")
vmerge=$(awk '$1 == "merge" {print $2}' "$tmp/vsubmit.log")
check "a score array and a merge job submitted" test -n "$vscore" -a -n "$vmerge"
wait_done "$vmerge" 600
for id in "$vscore" "$vmerge"; do
  all_completed "$id" || { tail -n 20 "$tmp"/variants.shards/*.out >&2; fail "job $id: $(job_states "$id" | sort | uniq -c | tr '\n' ' ')"; }
done
check "the score array ran two tasks" test "$(job_states "$vscore" | wc -l)" -eq 2
"$ROOT/target/release/tfbind-variants" score -q --device cpu --threads 1 \
  --model "$tmp/work/tf/FOXA2/model" --model "$tmp/work/tf/JUNB/model" \
  --genome "$ROOT/data/example/genome.fa.gz" --variants "$ROOT/data/example/variants.vcf" \
  --out "$tmp/variants-single" > /dev/null
check "the merged shards equal one process" cmp "$tmp/variants/variants.tsv" "$tmp/variants-single/variants.tsv"
rows=$(($(wc -l < "$tmp/variants/variants.tsv") - 1))
check "every variant scored ($rows rows)" test "$rows" -eq "$(grep -vc '^#' "$ROOT/data/example/variants.vcf")"
check "the merged artifact verifies" tfbind-artifact verify -q --kind variants "$tmp/variants"

# --- 4: the transfer-learning experiment as shared task -> per-target array -> summary ------------
# Two targets of the small bundle, a hashed split (it has two chromosomes), tiny training.
cat > "$tmp/experiment.toml" <<TOML
[bundle]
dir = "$tmp/data"
genome = "$ROOT/data/example/genome.fa.gz"

[split]
method = "hashed"
valid_fraction = 0.1
test_fraction = 0.2
seed = 1

[experiment]
targets = ["JUNB", "FOXA2"]
sizes = [50]
seeds = [1]
pretrain_epochs = 1
finetune_epochs = 1
work = "experiment-work"

[[condition]]
name = "scratch"
kind = "scratch"

[[condition]]
name = "shared"
kind = "select"
strategy = "fewest-na"
k = 3

[[condition]]
name = "cobinding"
kind = "select"
strategy = "cobinding"
k = 2

[slurm]
shared_time = "0:20:00"
shared_mem = "2G"
shared_cpus = 1
target_time = "0:20:00"
target_mem = "2G"
target_cpus = 1
TOML
"$ROOT/pipeline/slurm/submit-experiment.sh" --config "$tmp/experiment.toml" --no-build > "$tmp/esubmit.log"
ework=$tmp/experiment-work
ejob() { awk -v s="$1" '$1 == s {print $2}' "$ework/slurm/jobs.tsv"; }
eshared=$(ejob shared); etargets=$(ejob targets); esummary=$(ejob summarise)
check "shared, target array and summary jobs submitted" test -n "$eshared" -a -n "$etargets" -a -n "$esummary"
wait_done "$esummary" 900
for id in "$eshared" "$etargets" "$esummary"; do
  all_completed "$id" || { tail -n 20 "$ework"/slurm/*.out >&2; fail "job $id: $(job_states "$id" | sort | uniq -c | tr '\n' ' ')"; }
done
echo "ok - the shared task, the 2-task target array and the summary all COMPLETED"
check "the array ran one task per target" test "$(job_states "$etargets" | wc -l)" -eq 2
check "results.tsv: 2 targets × 3 conditions" test "$(tail -n +2 "$ework/results/results.tsv" | wc -l)" -eq 6
check "the summary's tables and plot" test -s "$ework/results/paired.tsv" -a -s "$ework/results/auprc.svg"
check "every experiment model verifies" tfbind-artifact verify -q --kind model "$ework"/models/*/*/*
