#!/usr/bin/env bash
# Runs the whole test suite from a build dir: gtest binaries through ctest, then the fuzz corpus
# replay. Prints ctest's summary line.
set -euo pipefail
build=${1:-build/asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
cd "$build"
ctest --output-on-failure -j 2 --timeout 900
