#!/usr/bin/env bash
# Scores a variants file with trained models on Slurm: a job array of --shards tasks, each scoring
# one contiguous part of the records (tfbind-variants score --shard i/n), then one job that merges
# the parts (afterok) into the artifact a single run would have written.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: pipeline/slurm/submit-variants.sh --variants FILE --genome FASTA --model DIR [--model DIR…]
                                         --out DIR [options] [-- score options]

  --variants FILE       VCF, VCF.gz, BCF or `chrom pos ref alt [id]` TSV
  --genome FASTA        the genome the variants refer to
  --model DIR           a model artifact (repeat for several)
  --out DIR             the merged `variants` artifact; the shards go to DIR.shards/1..N
  --shards N            array tasks (default: 8)
  --config FILE         pipeline config: its [variants] section for scoring, [slurm] keys
                        variants_time, variants_mem, variants_cpus, partition, account, max_parallel, gpu
  --gpu                 score on a GPU (--gres=gpu:1, --device cuda)
  --partition P, --account A, --max-parallel N (array tasks running at once)
  --time T, --mem M, --cpus N   per-shard resources (default 2:00:00, 8G, 4)
  --no-build            do not run `cargo build --release` first
  --dry-run             print the sbatch commands instead of running them
  -- ARGS               further options of `tfbind-variants score` (e.g. -- --shifts 2)

Prints the job ids, and writes them to DIR.shards/jobs.tsv.
USAGE
}

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=pipeline/slurm/slurm-config.sh
. "$root/pipeline/slurm/slurm-config.sh"
variants="" genome="" out="" config="" shards=8 build=1 dry=0
models=()
declare -A res=(
  [variants_time]=2:00:00 [variants_mem]=8G [variants_cpus]=4
  [partition]="" [account]="" [max_parallel]="" [gpu]=false
)
declare -A cli=()
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }

while [ $# -gt 0 ]; do
  case "$1" in
    --variants) variants=$2; shift 2 ;;
    --genome) genome=$2; shift 2 ;;
    --model) models+=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --gpu) cli[gpu]=true; shift ;;
    --partition|--account|--max-parallel) key=${1#--}; cli[${key//-/_}]=$2; shift 2 ;;
    --time|--mem|--cpus) cli[variants_${1#--}]=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "submit-variants.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
extra=("$@")
missing=()
[ -n "$variants" ] || missing+=(--variants)
[ -n "$genome" ] || missing+=(--genome)
[ ${#models[@]} -gt 0 ] || missing+=(--model)
[ -n "$out" ] || missing+=(--out)
if [ ${#missing[@]} -gt 0 ]; then
  echo "submit-variants.sh: ${missing[*]} required" >&2; usage >&2; exit 2
fi
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "submit-variants.sh: --shards must be a positive number" >&2; exit 2; }
for f in "$variants" "$genome" ${config:+"$config"}; do
  [ -f "$f" ] || { echo "submit-variants.sh: $f not found" >&2; exit 1; }
done
for m in "${models[@]}"; do
  [ -f "$m/manifest.toml" ] || { echo "submit-variants.sh: $m is not an artifact (no manifest.toml)" >&2; exit 1; }
done

if [ -n "$config" ]; then
  # The [slurm] section: flat `key = value` lines, then command-line overrides.
  while IFS='=' read -r key value; do
    [ -n "$key" ] && res[$key]=$value
  done < <(slurm_section "$config")
fi
for key in "${!cli[@]}"; do res[$key]=${cli[$key]}; done

out=$(abs "$out")
work=$out.shards
mkdir -p "$work"
device=cpu
gres=()
if [ "${res[gpu]}" = true ]; then device=cuda; gres=(--gres=gpu:1); fi
args=(--genome "$(abs "$genome")" --variants "$(abs "$variants")" --device "$device")
for m in "${models[@]}"; do args+=(--model "$(abs "$m")"); done
[ -n "$config" ] && args+=(--config "$(abs "$config")")
args+=("${extra[@]}")
printf '%s\0' "${args[@]}" > "$work/score.args"

if [ "$build" -eq 1 ] && [ "$dry" -eq 0 ]; then
  (cd "$root" && cargo build --release --bins --quiet)
fi
common=(--parsable --chdir "$work")
[ -n "${res[partition]}" ] && common+=(--partition "${res[partition]}")
[ -n "${res[account]}" ] && common+=(--account "${res[account]}")
export TFBIND_ROOT=$root TFBIND_SHARDS=$work TFBIND_VARIANTS_ARGS=$work/score.args

array=1-$shards
[ -n "${res[max_parallel]}" ] && array+="%${res[max_parallel]}"
score=$(submit "${common[@]}" --time "${res[variants_time]}" --mem "${res[variants_mem]}" \
  --cpus-per-task "${res[variants_cpus]}" "${gres[@]}" --array "$array" \
  "$root/pipeline/slurm/variants.sbatch")
shard_dirs=()
for i in $(seq 1 "$shards"); do shard_dirs+=("$work/$i"); done
merge=$(submit "${common[@]}" --time "${res[variants_time]}" --mem 2G --cpus-per-task 1 \
  --job-name tfbind-variants-merge --output '%x-%j.out' --dependency "afterok:$score" \
  --wrap "$(printf '%q ' "$root/target/release/tfbind-variants" merge "${shard_dirs[@]}" --out "$out")")
printf 'score\t%s\nmerge\t%s\n' "$score" "$merge" | tee "$work/jobs.tsv"
