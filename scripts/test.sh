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
skipped=0
failures=()
for t in tests/*/test-*.sh; do
  [ -e "$t" ] || continue
  echo "=== $t"
  start=$(date +%s)
  status=0
  bash "$t" || status=$?
  # 77: the test skipped itself (tests/common.sh `skip`), e.g. without the shared data bundle.
  case $status in
    0) passed=$((passed + 1)); echo "=== ok $t ($(( $(date +%s) - start )) s)" ;;
    77) skipped=$((skipped + 1)); echo "=== skipped $t" ;;
    *) failed=$((failed + 1)); failures+=("$t"); echo "=== FAILED $t ($(( $(date +%s) - start )) s)" ;;
  esac
done
[ "$failed" -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "shell-tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
