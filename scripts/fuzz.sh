#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/*_fuzz.cc, clang-14, ASan+UBSan) in its own build dir and
# runs each for a short while over a private copy of its corpus (fuzz/corpus/<parser>/), so a
# run never writes into the repository. A crash, leak, timeout or OOM fails the script and
# leaves the input under the printed directory: add it to fuzz/corpus/<parser>/ with a named
# regression test once fixed.
#   scripts/fuzz.sh [BUILD_DIR]      env: FUZZ_SECONDS (10 per target), FUZZ_JOBS (nproc),
#                                         FUZZ_BUILD_ONLY=1 (build, do not run),
#                                         FUZZ_SEED (1: the same mutations every run, so `make
#                                         test` stays reproducible; 0: a random seed, by hand)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build/fuzz}
secs=${FUZZ_SECONDS:-10}
seed=${FUZZ_SEED:-1}
jobs=${FUZZ_JOBS:-$(nproc)}

targets=()
for f in "$src"/fuzz/*_fuzz.cc; do targets+=("$(basename "$f" .cc)"); done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no fuzz/*_fuzz.cc" >&2; exit 1; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$src" -B "$build" -DOFSCK_FUZZ=ON -DOFSCK_SANITIZE=ON \
    -DOFSCK_TESTS=OFF -DOFSCK_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# Re-run CMake so a new fuzz/*_fuzz.cc becomes a target (file(GLOB CONFIGURE_DEPENDS) does it
# on build too; this also covers a build dir configured before the file existed).
cmake "$build" >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

work=$(mktemp -d /tmp/ofsck-fuzz.XXXXXX)
run_one() {
  local t=$1 parser=${1%_fuzz}
  local dir=$work/$t
  mkdir -p "$dir/corpus" "$dir/artifacts"
  [ -d "$src/fuzz/corpus/$parser" ] && cp -r "$src/fuzz/corpus/$parser/." "$dir/corpus/"
  # -timeout: one input taking longer is a finding (a hang); -rss_limit_mb: likewise memory.
  if TMPDIR=$dir "$build/fuzz/$t" -max_total_time="$secs" -seed="$seed" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1; then
    echo "fuzz: $t ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$dir/log" |
      grep -o '[0-9]*$') runs in ${secs} s)"
  else
    echo "fuzz: $t FAILED (input and log under $dir)" >&2
    tail -n 40 "$dir/log" >&2
    return 1
  fi
}
export -f run_one
export src build secs seed work
fail=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}' || fail=1
if [ "$fail" = 0 ]; then rm -rf "$work"; fi
exit "$fail"
