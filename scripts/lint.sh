#!/usr/bin/env bash
# `make lint`: clang-format-14 (.clang-format) over the tracked C++ files of src/ tests/ bench/
# fuzz/, then clang-tidy-14 (.clang-tidy) over the src/ translation units. Exits non-zero on any
# finding of either. Both run on LINT_JOBS (nproc) cores.
#   LINT_BASE=<git rev>  check only the files changed since that revision (the working tree
#                        included); a changed src/ header also brings the src/*.cc files that
#                        include it directly (its own findings show through any of them).
#                        Unset: every file.
#   LINT_BUILD=<dir>     build dir whose compile_commands.json clang-tidy reads (build/lint,
#                        configured on every run; nothing is compiled).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
jobs=${LINT_JOBS:-$(nproc)}
build=${LINT_BUILD:-build/lint}
for t in clang-format-14 clang-tidy-14; do
  command -v "$t" >/dev/null || { echo "lint: $t not found (make deps installs it)" >&2; exit 2; }
done

mapfile -t all < <(git ls-files -- 'src/*.cc' 'src/*.hpp' 'tests/*.cc' 'tests/*.hpp' \
                                   'bench/*.cc' 'bench/*.hpp' 'fuzz/*.cc' 'fuzz/*.hpp')
if [ -n "${LINT_BASE:-}" ]; then
  mapfile -t changed < <(git diff --name-only --diff-filter=d "$LINT_BASE" -- \
                           'src/*.cc' 'src/*.hpp' 'tests/*.cc' 'tests/*.hpp' \
                           'bench/*.cc' 'bench/*.hpp' 'fuzz/*.cc' 'fuzz/*.hpp')
  fmt_files=("${changed[@]}")
  tidy_files=()
  for f in "${changed[@]}"; do
    case $f in
      src/*.cc) tidy_files+=("$f") ;;
      src/*.hpp) mapfile -t -O "${#tidy_files[@]}" tidy_files < \
                   <(git grep -l -F "#include \"${f#src/}\"" -- 'src/*.cc' || true) ;;
    esac
  done
  mapfile -t tidy_files < <(printf '%s\n' "${tidy_files[@]}" | sed '/^$/d' | sort -u)
else
  fmt_files=("${all[@]}")
  mapfile -t tidy_files < <(git ls-files -- 'src/*.cc')
fi

status=0
if [ ${#fmt_files[@]} -gt 0 ]; then
  if ! printf '%s\0' "${fmt_files[@]}" |
       xargs -0 -P "$jobs" -n 16 clang-format-14 --dry-run --Werror; then
    echo "lint: clang-format: files differ from .clang-format (fix: clang-format-14 -i FILE)" >&2
    status=1
  fi
fi

if [ ${#tidy_files[@]} -gt 0 ]; then
  # Configured every run (a second or two): a file added since the last run needs its entry.
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
  # The compile commands are g++'s: clang does not know some of its warning flags.
  out=$(mktemp)
  trap 'rm -f "$out"' EXIT
  # scripts/tidy-cached.py: clang-tidy-14, whose output is cached by the unit's preprocessed
  # text (OFSCK_LINT_CACHE, default ~/.cache/ofsck-testdata/lint): only changed units are tidied.
  printf '%s\0' "${tidy_files[@]}" |
    xargs -0 -P "$jobs" -n 1 python3 scripts/tidy-cached.py "$build" >"$out" 2>&1 || true
  # Findings known before the lint was added are listed in scripts/lint-baseline.txt
  # ("path function check", functions still over the size limit); any other finding fails.
  new=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: error: ' "$out" |
        sed -E "s#^$src/##" |
        sed -E "s#^([^:]+):[0-9]+:[0-9]+: error: [^']*'([^']*)'.*\[([a-z-]+).*#\1 \2 \3#; t
                s#^([^:]+):[0-9]+:[0-9]+: error: .*\[([a-z-]+).*#\1 - \2#" |
        sort -u | grep -v -x -F -f <(grep -v '^#' scripts/lint-baseline.txt) || true)
  if [ -n "$new" ] || grep -q -E 'error: .*(clang-diagnostic|file not found)' "$out"; then
    grep -v ' warnings\? generated\.$' "$out" >&2
    echo "lint: clang-tidy: new findings (path function check):" >&2
    echo "$new" | sed 's/^/  /' >&2
    echo "lint: .clang-tidy lists the checks and why" >&2
    status=1
  fi
fi
[ $status -eq 0 ] && echo "lint: clean (${#fmt_files[@]} files formatted, ${#tidy_files[@]} tidied)"
exit $status
