# Helpers for the end-to-end shell tests (sourced). Each test makes a small input from
# data/example/ so it runs in a minute or two on 2 cores.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/target/release
export PATH=$BIN:$PATH

fail() { echo "FAIL: $*" >&2; exit 1; }
# skip WHY: ends the test as skipped (exit 77, which scripts/test.sh counts apart), with one line.
skip() { echo "skipped: $(basename "$0"): $*"; exit 77; }

# shared_bundle: sets BUNDLE to the hg38 chr19-22 bundle beside the clone ($TFBIND_BUNDLE
# overrides), or skips the test when it is not there (as the Rust tests do, through
# tfbind_artifact::testing).
shared_bundle() {
  BUNDLE=${TFBIND_BUNDLE:-$ROOT/../shared/data/hg38-dhs-chr19-22}
  [ -d "$BUNDLE" ] || skip "$BUNDLE not present"
}
trap 'echo "FAIL: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
check() { local what=$1; shift; "$@" || fail "$what"; echo "ok - $what"; }

# small_bundle DIR N: the first N windows of data/example with their labels and a tiny config.
small_bundle() {
  local dir=$1 n=$2
  mkdir -p "$dir"
  # zcat is cut short by head (SIGPIPE), which pipefail would count as a failure.
  { zcat "$ROOT/data/example/regions.bed.gz" || true; } | head -n "$n" | gzip > "$dir/regions.bed.gz"
  { zcat "$ROOT/data/example/labels.tsv.gz" || true; } | head -n "$((n + 1))" | gzip > "$dir/labels.tsv.gz"
  cat > "$dir/tiny.toml" <<'TOML'
[select]
strategy = "fewest-na"
k = 8

[encode]
split = "hashed"
seed = 1

[pretrain]
epochs = 1
seed = 1

[finetune]
epochs = 1
seed = 1

[slurm]
pretrain_time = "0:20:00"
pretrain_mem = "2G"
pretrain_cpus = 2
finetune_time = "0:20:00"
finetune_mem = "2G"
finetune_cpus = 1
interpret_time = "0:20:00"
interpret_mem = "2G"
interpret_cpus = 2
TOML
}

# fingerprint DIR...: path, mtime and sha256 of every file below the directories, sorted.
fingerprint() {
  find "$@" -type f -printf '%p %T@\n' | sort | while read -r path mtime; do
    printf '%s %s %s\n' "$path" "$mtime" "$(sha256sum "$path" | cut -d' ' -f1)"
  done
}
