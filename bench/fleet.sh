#!/usr/bin/env bash
# `ofsck fleet` over a generated fleet (bench/fleet_gen.py): N node snapshots (10,000 by
# default) of stock nodes with ~2% outliers of five kinds (another peer_credits, another OFED
# build, another kernel, a failing vendor module, running drift). Prints, per input form, the
# wall time (best of R runs), the CPU time and the peak RSS of that run. Goal (issue 10): under
# 5 s and 1 GB for 10,000 nodes on the 2-core build machine, Release build. Not a test: nothing
# asserts on time; the script fails only when fleet's answer is not the expected one.
#   bench/fleet.sh [OFSCK_BIN]       env: NODES (10000), R (3 runs)
set -euo pipefail
ofsck=${1:-build/release/ofsck}
NODES=${NODES:-10000}
R=${R:-3}
work=$(mktemp -d /dev/shm/ofsck-fleet-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$(dirname "$0")/fleet_gen.py" "$work/fleet" "$NODES"
mkdir "$work/dir"
mv "$work/fleet"/cn*.json "$work/dir/"
bytes=$(du -sb "$work/dir" | cut -f1)
printf 'fleet: %d snapshots, %d bytes each on average (%d MB in all)\n' "$NODES" \
  $((bytes / NODES)) $((bytes >> 20))

# best_of CMD...: prints "<best wall s> <cpu s of that run> <peak RSS KiB of that run>"
best_of() {
  local best="" cpu="" rss="" i
  for ((i = 0; i < R; i++)); do
    /usr/bin/time -o "$work/time.out" -f '%e %U %S %M' "$@" >"$work/out" 2>"$work/err" || true
    read -r t u s m < <(tail -1 "$work/time.out")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
      best=$t; cpu=$(awk "BEGIN{printf \"%.2f\", $u + $s}"); rss=$m
    fi
  done
  echo "$best $cpu $rss"
}
row() {  # row LABEL CMD...
  local label=$1; shift
  read -r t c m < <(best_of "$@")
  printf '%-46s %7ss %7ss cpu %8s KiB peak RSS\n' "$label" "$t" "$c" "$m"
}

cat "$work/dir"/ >/dev/null 2>&1 || true  # (warm the page cache: the files are in /dev/shm)
row "fleet DIR (text)" "$ofsck" fleet "$work/dir"
row "fleet DIR --format json" "$ofsck" fleet --format json "$work/dir"
row "fleet - < stream (concatenated)" sh -c "'$ofsck' fleet - < '$work/fleet/stream.json'"
row "fleet - < clush output ('node: ' lines)" sh -c "'$ofsck' fleet - < '$work/fleet/clush.txt'"

# The answer itself: every node read, the majority group first, five drift kinds.
"$ofsck" fleet "$work/dir" >"$work/out" 2>&1 && { echo "fleet: expected exit 1 (drift)" >&2; exit 1; }
head -n 1 "$work/out"
grep -c '^group ' "$work/out" | sed 's/^/groups: /'
grep '^drift\[' "$work/out" | cut -d: -f1 | sort | uniq -c | sed 's/^ */drift items: /'
