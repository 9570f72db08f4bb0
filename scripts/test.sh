#!/usr/bin/env bash
# The whole test suite, on a fresh machine too: installs what is missing (scripts/setup.sh --test),
# builds, runs the Rust tests (oracle tests against PyTorch, scikit-learn, memelite and safetensors
# are required here, not skipped), then the end-to-end shell tests (pipeline, Makefile, real Slurm).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh --test
export TFBIND_REQUIRE_ORACLES=1
export CARGO_TERM_COLOR=never

cargo build --release --workspace --bins --locked
cargo test --release --workspace --locked

passed=0
failed=0
failures=()
for t in tests/*/test-*.sh; do
  [ -e "$t" ] || continue
  echo "=== $t"
  start=$(date +%s)
  if bash "$t"; then
    passed=$((passed + 1))
    echo "=== ok $t ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1))
    failures+=("$t")
    echo "=== FAILED $t ($(( $(date +%s) - start )) s)"
  fi
done
[ "$failed" -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "shell-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
