# Sourced by the bench scripts that compare with a Python baseline: `bench_needs MODEL MODULES…`
# stops with a message (via the script's `log`) unless MODEL is a model artifact (the demo's, from
# `make demo`, by default), the .venv imports every module, and GNU time can measure peak memory.
bench_needs() {
  local model=$1
  shift
  [ -f "$model/manifest.toml" ] || { log "no model at $model: run 'make demo' first or give one"; exit 1; }
  local imports
  imports=$(IFS=,; echo "$*")
  "$py" -c "import $imports" 2>/dev/null \
    || { log "one of $imports is missing in .venv: run scripts/setup.sh --test"; exit 1; }
  [ -x /usr/bin/time ] || { log "GNU time (/usr/bin/time) is needed for peak memory: apt-get install time"; exit 1; }
}
