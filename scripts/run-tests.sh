#!/usr/bin/env bash
# Runs the whole test suite from a build dir: gtest binaries through ctest (which also replay
# every fuzz corpus), then every libFuzzer target for FUZZ_SECONDS (10) each over a copy of its
# corpus (scripts/fuzz.sh, clang-14 build in build/fuzz; OFSCK_SKIP_FUZZ=1 skips it), then the
# linters (scripts/lint.sh: clang-format-14 and clang-tidy-14; OFSCK_SKIP_LINT=1 skips them),
# then the .deb and .rpm of `make package` (scripts/package-test.sh; OFSCK_SKIP_PACKAGE=1
# skips it; OFSCK_PACKAGE_BUILD, default build/package, is where they were built).
set -euo pipefail
build=${1:-build/asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
src=$(cd "$(dirname "$0")/.." && pwd)
(cd "$build" && ctest --output-on-failure -j 2 --timeout 900)
if [ "${OFSCK_SKIP_PACKAGE:-0}" != 1 ]; then
  bash "$src/scripts/package-test.sh" "${OFSCK_PACKAGE_BUILD:-$src/build/package}"
fi
if [ "${OFSCK_SKIP_FUZZ:-0}" != 1 ]; then
  bash "$src/scripts/fuzz.sh" "$src/build/fuzz"
fi
if [ "${OFSCK_SKIP_LINT:-0}" != 1 ]; then
  bash "$src/scripts/lint.sh"
fi
