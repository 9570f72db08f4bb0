# Sourced by the submit scripts: `slurm_section FILE` prints the `key=value` lines of the config's
# [slurm] section (flat `key = value` lines, strings or numbers; comments dropped); `submit ARGS…`
# runs `sbatch ARGS…`, or with the script's `dry=1` (--dry-run) prints it on stderr and DRYRUN as
# the job id.
slurm_section() {
  awk '
    /^[[:space:]]*\[/ { insec = ($0 ~ /^[[:space:]]*\[slurm\][[:space:]]*(#.*)?$/); next }
    insec && /^[[:space:]]*[A-Za-z_]+[[:space:]]*=/ {
      line = $0; sub(/[[:space:]]+#.*$/, "", line)
      key = line; sub(/[[:space:]]*=.*/, "", key); gsub(/[[:space:]]/, "", key)
      val = line; sub(/^[^=]*=[[:space:]]*/, "", val); gsub(/^"|"[[:space:]]*$/, "", val); sub(/[[:space:]]+$/, "", val)
      print key "=" val
    }' "$1"
}

submit() {
  if [ "${dry:-0}" -eq 1 ]; then
    echo "sbatch $*" >&2
    echo "DRYRUN"
  else
    sbatch "$@"
  fi
}
