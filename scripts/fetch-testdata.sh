#!/usr/bin/env bash
# Downloads real Debian kernel packages (apt-get download) into a cache outside the repo and
# unpacks them there. Idempotent: cached .debs and trees are reused between runs.
#   OFSCK_TESTDATA   cache directory (default ~/.cache/ofsck-testdata)
#   $@               which sets to fetch: k61old k61new k61cloud k612 (default: all)
# Prints nothing on success when everything is cached.
set -euo pipefail
cache=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
mkdir -p "$cache/debs" "$cache/trees"

# The kernel ABIs the tests use. Keep in sync with tests/testdata.hpp (kernel_release()).
declare -A sets=(
  [k61old]="6.1.0-47-amd64"
  [k61new]="6.1.0-56-amd64"
  [k61cloud]="6.1.0-56-cloud-amd64"
  [k612]="6.12.117+deb12-amd64"
)
want=("$@"); [ ${#want[@]} -eq 0 ] && want=(k61old k61new k61cloud k612)

fetch() {  # fetch PKG...: apt-get download into the cache unless already there
  local need=()
  for p in "$@"; do ls "$cache/debs/${p}_"*.deb >/dev/null 2>&1 || need+=("$p"); done
  [ ${#need[@]} -eq 0 ] && return 0
  echo "fetch-testdata: downloading ${need[*]}" >&2
  (cd "$cache/debs" && apt-get download -q "${need[@]}" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$cache/debs" && apt-get download -q "${need[@]}" >/dev/null)
  }
}

for s in "${want[@]}"; do
  kver=${sets[$s]}
  flavour=${kver##*-}; [ "$kver" != "${kver%-cloud-amd64}" ] && flavour=cloud-amd64
  abi=${kver%-$flavour}
  tree="$cache/trees/$kver"
  [ -f "$tree/.complete" ] && continue
  kbuild="linux-kbuild-${abi%%.0-*}"; case "$abi" in 6.12.*) kbuild="linux-kbuild-$abi";; esac
  pkgs=("linux-image-$kver-unsigned" "linux-headers-$kver" "linux-headers-$abi-common" "$kbuild")
  fetch "${pkgs[@]}"
  rm -rf "$tree.tmp"; mkdir -p "$tree.tmp"
  for p in "${pkgs[@]}"; do dpkg-deb -x "$(ls "$cache/debs/${p}_"*.deb | sort -V | tail -1)" "$tree.tmp"; done
  rm -rf "$tree"; mv "$tree.tmp" "$tree"; touch "$tree/.complete"
done
