#!/usr/bin/env bash
# Submits the transfer-learning experiment (tfbind-experiment) to Slurm: its shared steps (task 0:
# inputs, regions, the TF sets and models every target uses), then a job array with one task per
# target (afterok), then a job that summarises the results (afterok). Resources come from the
# config's [slurm] section, and flags override them. Resubmitting after a failure reruns only what
# is missing: up-to-date artifacts are reused and training resumes from its checkpoints.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: pipeline/slurm/submit-experiment.sh --config FILE [options]

  --config FILE         the experiment's TOML config (configs/experiment.toml, experiment-quick.toml)
  --bundle DIR, --work DIR, --out DIR
                        instead of the config's (tfbind-experiment's flags)
  --partition P, --account A, --max-parallel N (target tasks running at once)
  --{shared,target}-{time,mem,cpus} VALUE   resources of the shared task and of each target's task
  --no-build            do not run `cargo build --release` first
  --dry-run             print the sbatch commands instead of running them

Config [slurm] keys (all optional): partition, account, max_parallel, shared_time, shared_mem,
shared_cpus, target_time, target_mem, target_cpus.
Prints the job ids, and writes them to WORK/slurm/jobs.tsv.
USAGE
}

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=pipeline/slurm/slurm-config.sh
. "$root/pipeline/slurm/slurm-config.sh"
config="" build=1 dry=0
paths=()
declare -A res=(
  [shared_time]=4:00:00 [shared_mem]=8G [shared_cpus]=4
  [target_time]=8:00:00 [target_mem]=8G [target_cpus]=4
  [partition]="" [account]="" [max_parallel]=""
)
declare -A cli=()
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }

while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --bundle) paths+=("$1" "$(abs "$2")"); shift 2 ;;
    --work|--out) mkdir -p "$2"; paths+=("$1" "$(abs "$2")"); shift 2 ;;
    --partition|--account|--max-parallel|--shared-time|--shared-mem|--shared-cpus|\
    --target-time|--target-mem|--target-cpus)
      key=${1#--}; cli[${key//-/_}]=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "submit-experiment.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$config" ] || { echo "submit-experiment.sh: --config FILE is required" >&2; usage >&2; exit 2; }
[ -f "$config" ] || { echo "submit-experiment.sh: config $config not found" >&2; exit 1; }
config=$(abs "$config")

# The [slurm] section: flat `key = value` lines, then command-line overrides.
while IFS='=' read -r key value; do
  [ -n "$key" ] && res[$key]=$value
done < <(slurm_section "$config")
for key in "${!cli[@]}"; do res[$key]=${cli[$key]}; done

if [ "$build" -eq 1 ] && [ "$dry" -eq 0 ]; then
  (cd "$root" && cargo build --release --bins --quiet)
fi
args=(--config "$config" "${paths[@]}" -q)
# The plan checks the config (a usage error stops here, before anything is queued) and lists the
# tasks in WORK/plan.tsv under a header: the shared one, then one per target.
plan=$("$root/target/release/tfbind-experiment" plan "${args[@]}")
tasks=$(($(wc -l < "$plan") - 1))
work=$(dirname "$plan")
mkdir -p "$work/slurm"
printf '%s\0' "${args[@]}" > "$work/slurm/experiment.args"
export TFBIND_ROOT=$root TFBIND_EXPERIMENT_ARGS=$work/slurm/experiment.args

common=(--parsable --chdir "$work/slurm")
[ -n "${res[partition]}" ] && common+=(--partition "${res[partition]}")
[ -n "${res[account]}" ] && common+=(--account "${res[account]}")
resources() { echo --time "${res[${1}_time]}" --mem "${res[${1}_mem]}" --cpus-per-task "${res[${1}_cpus]}"; }

# shellcheck disable=SC2046
shared=$(submit "${common[@]}" $(resources shared) --array 0 "$root/pipeline/slurm/experiment.sbatch")
array=1-$((tasks - 1))
[ -n "${res[max_parallel]}" ] && array+="%${res[max_parallel]}"
# shellcheck disable=SC2046
targets=$(submit "${common[@]}" $(resources target) --dependency "afterok:$shared" --array "$array" \
  "$root/pipeline/slurm/experiment.sbatch")
summary=$(submit "${common[@]}" --time 0:30:00 --mem 2G --cpus-per-task 1 \
  --job-name tfbind-experiment-summarise --output '%x-%j.out' --dependency "afterok:$targets" \
  --wrap "$(printf '%q ' "$root/target/release/tfbind-experiment" summarise "${args[@]}")")
printf 'shared\t%s\ntargets\t%s\nsummarise\t%s\n' "$shared" "$targets" "$summary" | tee "$work/slurm/jobs.tsv"
