#!/usr/bin/env bash
# Whole-process speed of `tfbind-peaks build` against a bedtools loop, in the same invocation, on
# ../shared/data/hg38-dhs-chr19-22 (144,015 DHS windows, 162 TFs' narrowPeak files):
#
#   scripts/bench-peaks.sh [REPS]      (default 5 runs of each, interleaved; medians are compared)
#
# Baseline: one `bedtools intersect -c` call per TF, counting that TF's summits (narrowPeak start +
# field 10) in every window: the label-matrix column of the "summit in window" rule, one TF at a
# time. Ours: `tfbind-peaks build` (release) with the same rule, reading every peak file and the
# genome index, and writing the checksummed `regions` artifact (windows, 144,015 x 162 labels);
# --force, so every run does the work. Before timing, the script checks once that both mark the
# same number of windows for every TF. The goal (issue 3) is >= 10x. Peak memory is
# /usr/bin/time's "Maximum resident set size". bedtools and GNU time are installed with apt when
# missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
reps=${1:-5}
bundle=${TFBIND_BUNDLE:-$root/../shared/data/hg38-dhs-chr19-22}
work=$root/target/bench-peaks
say() { printf '[bench-peaks] %s\n' "$*" >&2; }

[ -d "$bundle/peaks" ] || { say "no bundle at $bundle"; exit 1; }
missing=()
command -v bedtools >/dev/null || missing+=(bedtools)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (apt)"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

say "building tfbind-peaks (release)"
cargo build --release --quiet -p tfbind-peaks
mkdir -p "$work/bedtools"

# The baseline as one script, so that /usr/bin/time measures the whole loop as one process tree.
cat > "$work/bedtools-loop.sh" <<'EOF'
#!/usr/bin/env bash
# bedtools-loop.sh REGIONS_BED_GZ PEAKS_DIR OUT_DIR: per TF, summit counts in every window.
set -euo pipefail
regions=$1 peaks=$2 out=$3
for file in "$peaks"/*.narrowPeak.gz; do
  tf=$(basename "$file" .narrowPeak.gz)
  zcat "$file" \
    | awk -v OFS='\t' '{s = ($10 >= 0) ? $2 + $10 : int(($2 + $3) / 2); print $1, s, s + 1}' \
    | bedtools intersect -c -a "$regions" -b stdin > "$out/$tf.counts"
done
EOF
chmod +x "$work/bedtools-loop.sh"

baseline=("$work/bedtools-loop.sh" "$bundle/regions.bed.gz" "$bundle/peaks" "$work/bedtools")
ours=("$root/target/release/tfbind-peaks" build --genome "$bundle/genome.fa.gz"
      --regions "$bundle/regions.bed.gz" "$bundle/peaks" --out "$work/regions"
      --assign summit --force -q --json)

say "checking that both mark the same windows per TF"
"${baseline[@]}"
"${ours[@]}" > "$work/summary.json"
for counts in "$work"/bedtools/*.counts; do
  printf '%s\t%s\n' "$(basename "$counts" .counts)" "$(awk '$5 > 0' "$counts" | wc -l)"
done | sort > "$work/bedtools.bound"
python3 - "$work/summary.json" > "$work/ours.bound" <<'EOF'
import json, sys
for tf in json.load(open(sys.argv[1]))["per_tf"]:
    print(f"{tf['tf']}\t{tf['bound']}")
EOF
sort -o "$work/ours.bound" "$work/ours.bound"
if ! diff -q "$work/bedtools.bound" "$work/ours.bound" >/dev/null; then
  say "bound windows per TF differ (bedtools < > tfbind-peaks):"
  diff "$work/bedtools.bound" "$work/ours.bound" | head >&2
  exit 1
fi
say "same bound windows for all $(wc -l < "$work/ours.bound") TFs:" \
  "$(awk '{n += $2} END {print n}' "$work/ours.bound") (window, TF) pairs"

# Appends "NAME wall_ms cpu_ms max_rss_kb" for one run to $work/runs.
measure() {
  local name=$1 start end
  shift
  start=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$work/time.out" "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  read -r user sys rss < "$work/time.out"
  echo "$name $(( (end - start) / 1000000 )) $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d", (u + s) * 1000}') $rss" >> "$work/runs"
}

say "timing $reps runs of each, interleaved (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
: > "$work/runs"
for _ in $(seq "$reps"); do
  measure bedtools "${baseline[@]}"
  measure tfbind-peaks "${ours[@]}"
done

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "input: $(zcat "$bundle/regions.bed.gz" | wc -l) windows, $(ls "$bundle"/peaks/*.narrowPeak.gz | wc -l) peak files; $(bedtools --version)"
# Medians per tool, then the ratio of the wall-clock medians.
sort -k1,1 -k2,2n "$work/runs" | awk '
  { name[NR] = $1; wall[NR] = $2; cpu[NR] = $3; rss[NR] = $4 }
  END {
    for (i = 1; i <= NR; i++) { n[name[i]]++; idx[name[i], n[name[i]]] = i }
    for (tool in n) {
      m = idx[tool, int((n[tool] + 1) / 2)]
      peak = 0; runs = ""
      for (k = 1; k <= n[tool]; k++) {
        j = idx[tool, k]; runs = runs (k > 1 ? " " : "") wall[j]
        if (rss[j] > peak) peak = rss[j]
      }
      med[tool] = wall[m]
      printf "%-13s wall median %6d ms (sorted runs: %s); cpu of that run %6d ms; peak RSS %d MB\n", tool, wall[m], runs, cpu[m], peak / 1024
    }
    printf "speed-up (wall): %.1fx (goal >= 10x)\n", med["bedtools"] / med["tfbind-peaks"]
  }'
