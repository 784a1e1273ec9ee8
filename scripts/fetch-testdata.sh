#!/usr/bin/env bash
# Downloads real Debian kernel packages (apt-get download) into a cache outside the repo and
# unpacks them there. Idempotent: cached .debs and trees are reused between runs.
#   OFSCK_TESTDATA   cache directory (default ~/.cache/ofsck-testdata)
#   $@               which sets to fetch: k61old k61new k61cloud k612 k7 promtool (default: all)
# k7 is the newest amd64 linux-image-7.* of Debian unstable, picked at fetch time through a private
# apt state in $cache/sid-apt (the machine's own apt sources are never touched; `apt-get update`
# of that state at most once a day). Its tree keeps the package layout (usr/lib/modules/KVER with
# vmlinuz); tests find it with testdata::k7(). When sid is unreachable and a 7.x tree is cached,
# that tree is used.
# promtool is Debian's `prometheus` package (from the machine's own apt sources), unpacked into
# $cache/tools/prometheus and never installed: tests/integrations/prom_test.sh runs its
# `promtool check metrics`.
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
want=("$@"); [ ${#want[@]} -eq 0 ] && want=(k61old k61new k61cloud k612 k7 promtool)

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

unpack() {  # unpack TREE PKG...: dpkg-deb -x the newest cached .deb of each PKG into TREE
  local tree=$1; shift
  rm -rf "$tree.tmp"; mkdir -p "$tree.tmp"
  for p in "$@"; do dpkg-deb -x "$(ls "$cache/debs/${p}_"*.deb | sort -V | tail -1)" "$tree.tmp"; done
  rm -rf "$tree"; mv "$tree.tmp" "$tree"; touch "$tree/.complete"
}

# Debian unstable through a private apt state: the sources.list below, lists and archives under
# $sid, the Debian archive keyring. Prints `apt-get`'s options for that state.
sid=$cache/sid-apt
sid_opts() {
  echo -o "Dir::Etc::sourcelist=$sid/sources.list" -o Dir::Etc::sourceparts=- \
    -o "Dir::State::Lists=$sid/lists" -o "Dir::Cache=$sid/cache"
}
sid_fresh() { [ -n "$(find "$sid/update-stamp" -mmin -1440 2>/dev/null)" ]; }
sid_update() {  # refreshes the sid lists when older than a day; fails only when there are none
  mkdir -p "$sid/lists/partial" "$sid/cache/archives/partial"
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main' \
    >"$sid/sources.list"
  sid_fresh && return 0
  # shellcheck disable=SC2046
  if apt-get $(sid_opts) update -qq >/dev/null 2>&1; then touch "$sid/update-stamp"; return 0; fi
  ls "$sid/lists/"*_Packages* >/dev/null 2>&1
}
newest_cached_k7() {
  local t
  for t in "$cache/trees"/7.*-amd64; do if [ -f "$t/.complete" ]; then basename "$t"; fi; done | sort -V | tail -1
}
fetch_k7() {  # the newest sid linux-image-7.*-amd64 and its parts, into trees/KVER
  local kver="" abi pkgs need=() p
  # The version picked at the last update is kept in k7-kver: no apt-cache run within the day.
  if sid_fresh && [ -s "$sid/k7-kver" ]; then
    kver=$(cat "$sid/k7-kver")
  elif sid_update; then
    # shellcheck disable=SC2046
    kver=$(apt-cache $(sid_opts) pkgnames linux-image-7. 2>/dev/null \
             | sed -n 's/^linux-image-\(7\.[0-9.]*+deb[0-9]*-amd64\)$/\1/p' | sort -V | tail -1)
    [ -n "$kver" ] && echo "$kver" >"$sid/k7-kver"
  fi
  if [ -z "$kver" ]; then
    kver=$(newest_cached_k7)
    [ -n "$kver" ] || { echo "fetch-testdata: k7: Debian unstable unreachable and no 7.x tree cached" >&2; return 1; }
    echo "fetch-testdata: k7: Debian unstable unreachable, using the cached $kver" >&2
    return 0
  fi
  [ -f "$cache/trees/$kver/.complete" ] && return 0
  abi=${kver%-amd64}
  pkgs=("linux-image-$kver" "linux-base-$kver" "linux-binary-$kver" "linux-modules-$kver"
        "linux-headers-$kver" "linux-headers-$abi-common" "linux-kbuild-$abi")
  for p in "${pkgs[@]}"; do ls "$cache/debs/${p}_"*.deb >/dev/null 2>&1 || need+=("$p"); done
  if [ ${#need[@]} -gt 0 ]; then
    echo "fetch-testdata: downloading ${need[*]} (Debian unstable)" >&2
    # shellcheck disable=SC2046
    if ! (cd "$cache/debs" && apt-get $(sid_opts) download -q "${need[@]}" >/dev/null 2>&1); then
      local old; old=$(newest_cached_k7)
      [ -n "$old" ] || { echo "fetch-testdata: k7: cannot download ${need[*]}" >&2; return 1; }
      echo "fetch-testdata: k7: cannot download $kver, using the cached $old" >&2
      return 0
    fi
  fi
  unpack "$cache/trees/$kver" "${pkgs[@]}"
}

fetch_promtool() {  # $cache/tools/prometheus/usr/bin/promtool
  local dir=$cache/tools/prometheus
  [ -x "$dir/usr/bin/promtool" ] && return 0
  fetch prometheus
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  dpkg-deb -x "$(ls "$cache/debs/prometheus_"*.deb | sort -V | tail -1)" "$dir.tmp"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

for s in "${want[@]}"; do
  [ "$s" = k7 ] && { fetch_k7; continue; }
  [ "$s" = promtool ] && { fetch_promtool; continue; }
  [ -n "${sets[$s]:-}" ] || { echo "fetch-testdata: unknown set $s" >&2; exit 2; }
  kver=${sets[$s]}
  flavour=${kver##*-}; [ "$kver" != "${kver%-cloud-amd64}" ] && flavour=cloud-amd64
  abi=${kver%-$flavour}
  tree="$cache/trees/$kver"
  [ -f "$tree/.complete" ] && continue
  kbuild="linux-kbuild-${abi%%.0-*}"; case "$abi" in 6.12.*) kbuild="linux-kbuild-$abi";; esac
  pkgs=("linux-image-$kver-unsigned" "linux-headers-$kver" "linux-headers-$abi-common" "$kbuild")
  fetch "${pkgs[@]}"
  unpack "$tree" "${pkgs[@]}"
done
