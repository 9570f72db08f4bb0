#!/usr/bin/env bash
# Speed of tfbind-tomtom against memelite 0.5.0 on JASPAR CORE vertebrates × itself (1,019 motifs),
# both with 2 threads and Euclidean distance (memelite's only column score), in one run so the
# machine's load is the same for both:
#   - memelite as a whole process (python start, import, read, one call; numba cache warm),
#   - memelite's warm call (in-process, after a first call),
#   - tfbind-tomtom as a whole process (release build: read, compare, write the TSV),
# each the best of REPEATS runs (default 5). Prints the times and ratios, and checks that every
# query's best target is the same. Needs `scripts/setup.sh --test` (the .venv with memelite).
#
#   scripts/bench-tomtom.sh            REPEATS=9 scripts/bench-tomtom.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

repeats=${REPEATS:-5}
threads=2
python=.venv/bin/python
jaspar=data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme
if ! "$python" -c "import memelite" 2>/dev/null; then
  echo "bench-tomtom: memelite is not installed in .venv; run scripts/setup.sh --test" >&2
  exit 2
fi

cargo build --release --quiet -p tfbind-motifs
target_dir=$(cargo metadata --format-version 1 --no-deps | "$python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/release/tfbind-tomtom"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# memelite: warm call timings and best hits, from one process; compiles numba's cache if cold.
cat > "$work/memelite_bench.py" <<'PY'
import sys, time
import numpy
from memelite.io import read_meme
from memelite.tomtom import tomtom

jaspar, threads, repeats, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
motifs = read_meme(jaspar)
names = [k.split()[0] for k in motifs]
pwms = list(motifs.values())
tomtom(pwms, pwms, n_jobs=threads)  # the first call compiles or loads numba's cache
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    p = tomtom(pwms, pwms, n_jobs=threads)[0]
    best = min(best, time.perf_counter() - t0)
print(f"{best:.4f}")
with open(out, "w") as f:
    for q, j in enumerate(numpy.argmin(p, axis=1)):
        f.write(f"{names[q]}\t{names[j]}\n")
PY

# memelite as a whole process, as a user running it from a script would.
cat > "$work/memelite_process.py" <<'PY'
import sys
from memelite.io import read_meme
from memelite.tomtom import tomtom
pwms = list(read_meme(sys.argv[1]).values())
tomtom(pwms, pwms, n_jobs=int(sys.argv[2]))
PY

best_of() {  # best wall time in seconds of running "$@" $repeats times
  local best=""
  for _ in $(seq "$repeats"); do
    local t0 t1
    # The table of the run before is removed first, untimed: replacing a 6 MB file frees its
    # pages in the kernel (5-7 ms here), which is the previous run's cost, not this one's.
    rm -f "$work/tfbind.tsv"
    t0=$(date +%s.%N)
    "$@" > /dev/null
    t1=$(date +%s.%N)
    best=$(echo "$t0 $t1 $best" | awk '{d = $2 - $1; if ($3 == "" || d < $3) print d; else print $3}')
  done
  printf '%.4f' "$best"
}

echo "JASPAR × JASPAR ($(grep -c '^MOTIF' "$jaspar") motifs), $threads threads, best of $repeats"
warm=$("$python" "$work/memelite_bench.py" "$jaspar" "$threads" "$repeats" "$work/memelite_best.tsv")
process=$(best_of "$python" "$work/memelite_process.py" "$jaspar" "$threads")
ours=$(best_of "$bin" "$jaspar" "$jaspar" --dist ed --threads "$threads" -q -o "$work/tfbind.tsv")

printf '  memelite, whole process   %8.3f s\n' "$process"
printf '  memelite, warm call       %8.3f s\n' "$warm"
printf '  tfbind-tomtom, process    %8.3f s\n' "$ours"
awk -v w="$warm" -v p="$process" -v o="$ours" 'BEGIN {
  printf "  memelite warm call / tfbind-tomtom process: %.2fx\n", w / o
  printf "  memelite process   / tfbind-tomtom process: %.2fx\n", p / o
}'

# Best hit per query: the first row of each query in tfbind-tomtom's table (sorted by p-value,
# ties by target order), against memelite's argmin (ties by target order too).
awk -F'\t' 'NR > 1 && !seen[$1]++ { print $1 "\t" $2 }' "$work/tfbind.tsv" > "$work/tfbind_best.tsv"
total=$(wc -l < "$work/memelite_best.tsv")
same=$(awk -F'\t' 'NR == FNR { best[$1] = $2; next } best[$1] == $2' \
  "$work/tfbind_best.tsv" "$work/memelite_best.tsv" | wc -l)
echo "  best hits identical: $same of $total queries"
[ "$same" -eq "$total" ]
