#!/usr/bin/env bash
# Fuzzes tfbind's parsers with libFuzzer (coverage-guided, on the stable toolchain), then merges the
# inputs that reached new code into crates/fuzz/corpus/<target>/, which `make test` replays.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default: 600 s each for bed, fasta, manifest
#
# A crash leaves its input as crates/fuzz/artifacts/<target>/crash-*; the run stops with status 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bed fasta manifest)

# What cargo-fuzz passes to rustc, minus the nightly-only sanitizer: SanitizerCoverage counters and
# comparison tracing for libFuzzer, with debug assertions and overflow checks on.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="$root/target/fuzz"
# An explicit target keeps RUSTFLAGS off build scripts and proc macros (as cargo-fuzz does): they
# run on the host and must not need libFuzzer's symbols.
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --locked -p tfbind-fuzz --features libfuzzer --bins --target "$host"
bin_dir="$CARGO_TARGET_DIR/$host/release"
# The targets write scratch files for every input: keep them in memory.
export TMPDIR=${TMPDIR:-/dev/shm}

status=0
for t in "${targets[@]}"; do
  corpus=crates/fuzz/corpus/$t
  scratch=$(mktemp -d)
  mkdir -p "crates/fuzz/artifacts/$t"
  echo "=== fuzz-$t for $seconds s (seeds: $(ls "$corpus" | wc -l))"
  if ! "$bin_dir/fuzz-$t" "$scratch" "$corpus" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=2048 -artifact_prefix="crates/fuzz/artifacts/$t/" \
      -print_final_stats=1 2>"$scratch.log"; then
    status=1
    tail -40 "$scratch.log"
    echo "=== fuzz-$t: CRASH (input kept in crates/fuzz/artifacts/$t/)"
  else
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|Done [0-9]+ runs" "$scratch.log" || true
    echo "=== fuzz-$t: no crash"
  fi
  "$bin_dir/fuzz-$t" -merge=1 "$corpus" "$scratch" 2>/dev/null >/dev/null || true
  rm -rf "$scratch" "$scratch.log"
  echo "=== fuzz-$t: corpus now $(ls "$corpus" | wc -l) inputs"
done
exit $status
