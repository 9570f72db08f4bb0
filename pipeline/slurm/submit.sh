#!/usr/bin/env bash
# Submits the tfbind pipeline to Slurm as chained jobs:
#   pretrain (one job) -> fine-tune (a job array, one task per TF) -> interpret (one job),
# each waiting on the previous with --dependency=afterok. Resources come from the config's [slurm]
# section, and flags override them. Resubmitting after a failure reruns only what is missing:
# every stage binary skips an artifact that is already complete.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: pipeline/slurm/submit.sh --tfs FILE [options]

  --tfs FILE            TF list: one TF of the regions artifact per line, or `NAME<TAB>peaks file`
                        for a new TF (blank lines and # comments ignored). A new TF takes the
                        default path (tfbind-transfer: a small model pre-trained on its chosen
                        set, shared by the tasks choosing the same set) and needs no pre-training
                        job: with --skip-pretrain, only the regions artifact must exist
  --config FILE         pipeline config (default: configs/demo.toml)
  --work DIR            where artifacts go (default: work/<config name>)
  --skip-pretrain       reuse the existing pre-trained model: submit only fine-tune and interpret
  --from MODEL          new TFs fine-tune from this pre-trained model instead (no set chosen)
  --no-interpret        do not submit the interpret job
  --gpu                 pre-train and fine-tune on a GPU (--gres=gpu:1, --device cuda)
  --partition P, --account A, --max-parallel N (array tasks running at once)
  --{pretrain,finetune,interpret}-{time,mem,cpus} VALUE   per-stage resources
  --no-build            do not run `cargo build --release` first
  --dry-run             print the sbatch commands instead of running them

Config [slurm] keys (all optional): partition, account, max_parallel, gpu (true/false),
pretrain_time, pretrain_mem, pretrain_cpus, finetune_time, finetune_mem, finetune_cpus,
interpret_time, interpret_mem, interpret_cpus.
Prints the job ids, and writes them to WORK/slurm/jobs.tsv.
USAGE
}

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=pipeline/slurm/slurm-config.sh
. "$root/pipeline/slurm/slurm-config.sh"
config=$root/configs/demo.toml
work=""
tfs=""
skip_pretrain=0
from=""
interpret=1
build=1
dry=0
declare -A res=(
  [pretrain_time]=12:00:00 [pretrain_mem]=16G [pretrain_cpus]=8
  [finetune_time]=2:00:00 [finetune_mem]=8G [finetune_cpus]=4
  [interpret_time]=2:00:00 [interpret_mem]=8G [interpret_cpus]=4
  [partition]="" [account]="" [max_parallel]="" [gpu]=false
)
declare -A cli=()

while [ $# -gt 0 ]; do
  case "$1" in
    --tfs) tfs=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --skip-pretrain) skip_pretrain=1; shift ;;
    --from) from=$2; shift 2 ;;
    --no-interpret) interpret=0; shift ;;
    --gpu) cli[gpu]=true; shift ;;
    --no-build) build=0; shift ;;
    --dry-run) dry=1; shift ;;
    --partition|--account|--max-parallel|--pretrain-time|--pretrain-mem|--pretrain-cpus|\
    --finetune-time|--finetune-mem|--finetune-cpus|--interpret-time|--interpret-mem|--interpret-cpus)
      key=${1#--}; key=${key//-/_}; cli[$key]=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "submit.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$tfs" ] || { echo "submit.sh: --tfs FILE is required" >&2; usage >&2; exit 2; }
[ -f "$tfs" ] || { echo "submit.sh: TF list $tfs not found" >&2; exit 1; }
[ -f "$config" ] || { echo "submit.sh: config $config not found" >&2; exit 1; }
tfs=$(cd "$(dirname "$tfs")" && pwd)/$(basename "$tfs")
if [ -n "$from" ]; then
  [ -f "$from/manifest.toml" ] || { echo "submit.sh: --from $from is not a model artifact" >&2; exit 1; }
  from=$(cd "$from" && pwd)
fi
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
[ -n "$work" ] || work=$root/work/$(basename "$config" .toml)
mkdir -p "$work/slurm"
work=$(cd "$work" && pwd)

# The [slurm] section: flat `key = value` lines (strings or numbers), then command-line overrides.
while IFS='=' read -r key value; do
  [ -n "$key" ] && res[$key]=$value
done < <(slurm_section "$config")
for key in "${!cli[@]}"; do res[$key]=${cli[$key]}; done

n_tfs=$(grep -cv '^[[:space:]]*\(#\|$\)' "$tfs" || true)
[ "$n_tfs" -gt 0 ] || { echo "submit.sh: $tfs lists no TF" >&2; exit 1; }

if [ "$build" -eq 1 ] && [ "$dry" -eq 0 ]; then
  (cd "$root" && cargo build --release --bins --quiet)
fi

common=(--parsable --chdir "$work/slurm")
[ -n "${res[partition]}" ] && common+=(--partition "${res[partition]}")
[ -n "${res[account]}" ] && common+=(--account "${res[account]}")
device=cpu
gres=()
if [ "${res[gpu]}" = true ]; then device=cuda; gres=(--gres=gpu:1); fi
export TFBIND_ROOT=$root TFBIND_CONFIG=$config TFBIND_WORK=$work TFBIND_TF_LIST=$tfs TFBIND_DEVICE=$device \
  TFBIND_FROM=$from

submit() {
  if [ "$dry" -eq 1 ]; then
    echo "sbatch $*" >&2
    echo "DRYRUN"
  else
    sbatch "$@"
  fi
}

stage_res() {
  echo --time "${res[${1}_time]}" --mem "${res[${1}_mem]}" --cpus-per-task "${res[${1}_cpus]}"
}

: > "$work/slurm/jobs.tsv"
dep=()
if [ "$skip_pretrain" -eq 0 ]; then
  # shellcheck disable=SC2046
  pre=$(submit "${common[@]}" $(stage_res pretrain) "${gres[@]}" "$root/pipeline/slurm/pretrain.sbatch")
  printf 'pretrain\t%s\n' "$pre" >> "$work/slurm/jobs.tsv"
  dep=(--dependency "afterok:$pre")
fi
array=1-$n_tfs
[ -n "${res[max_parallel]}" ] && array+="%${res[max_parallel]}"
# shellcheck disable=SC2046
ft=$(submit "${common[@]}" $(stage_res finetune) "${gres[@]}" "${dep[@]}" --array "$array" \
  "$root/pipeline/slurm/finetune.sbatch")
printf 'finetune\t%s\n' "$ft" >> "$work/slurm/jobs.tsv"
if [ "$interpret" -eq 1 ]; then
  # shellcheck disable=SC2046
  it=$(submit "${common[@]}" $(stage_res interpret) --dependency "afterok:$ft" \
    "$root/pipeline/slurm/interpret.sbatch")
  printf 'interpret\t%s\n' "$it" >> "$work/slurm/jobs.tsv"
fi
cat "$work/slurm/jobs.tsv"
