#!/usr/bin/env bash
# Build step (packaging/package.cmake): everything the packages install that the built binary
# makes from its own command table, so nothing can drift from `ofsck COMMAND --help`:
#   OUT/man8/ofsck.8.gz, ofsck-COMMAND.8.gz   (`ofsck --help-man`, gzip -9n: reproducible)
#   OUT/bash/ofsck, OUT/zsh/_ofsck             (`ofsck --completion bash|zsh`)
# and OUT/changelog.gz from packaging/changelog (Debian policy 12.7).
# Usage: gen-docs.sh OFSCK_BINARY OUT_DIR
set -euo pipefail
bin=$1 out=$2
src=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out/man8" "$out/bash" "$out/zsh"
mkdir -p "$out/man8" "$out/bash" "$out/zsh"
"$bin" --help-man "$out/man8"
gzip -9nf "$out"/man8/*.8
"$bin" --completion bash >"$out/bash/ofsck"
"$bin" --completion zsh >"$out/zsh/_ofsck"
gzip -9nc "$src/changelog" >"$out/changelog.gz"
