#!/usr/bin/env bash
# Compares `ofsck check` with kmod's depmod on the same real Debian trees, in one run, and prints
# the ratios (wall time best of N, peak RSS). Page cache is warmed first. Not a test: no
# assertions on time.
#   bench/run.sh [OFSCK_BIN]     N=5 by default (env N)
set -euo pipefail
ofsck=${1:-build/release/ofsck}
N=${N:-5}
cache=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
bash scripts/fetch-testdata.sh k61new k612 >/dev/null
work=$(mktemp -d /dev/shm/ofsck-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

# best_of CMD...: prints "<best wall seconds> <peak RSS KiB of that run>"
best_of() {
  local best="" rss="" i out
  for ((i = 0; i < N; i++)); do
    /usr/bin/time -o "$work/time.out" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$work/time.out")
    local t=${out% *} m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; rss=$m; fi
  done
  echo "$best $rss"
}
ratio() { awk "BEGIN{printf \"%.3f\", $1 / $2}"; }

for kver in 6.1.0-56-amd64 6.12.117+deb12-amd64; do
  root="$work/$kver"
  mkdir -p "$root"
  cp -a "$cache/trees/$kver/." "$root/"   # depmod -a writes indexes: never into the cache
  find "$root" -name '*.ko*' -exec cat {} + >/dev/null  # warm the page cache
  nmod=$(find "$root" -name '*.ko*' | wc -l)
  symvers="$root/usr/src/linux-headers-$kver/Module.symvers"
  read -r t_dep_a m_dep_a < <(best_of depmod -b "$root" -a "$kver")
  read -r t_dep_e m_dep_e < <(best_of depmod -b "$root" -n -e -E "$symvers" "$kver")
  read -r t_chk m_chk < <(best_of "$ofsck" check -q --root "$root" --no-verify-content)
  read -r t_chkv m_chkv < <(best_of "$ofsck" check -q --root "$root")
  echo "== $kver ($nmod module files), best of $N, warm page cache"
  printf '%-44s %8ss %8s KiB\n' "depmod -a" "$t_dep_a" "$m_dep_a"
  printf '%-44s %8ss %8s KiB\n' "depmod -n -e -E" "$t_dep_e" "$m_dep_e"
  printf '%-44s %8ss %8s KiB  ratio vs depmod -a %s\n' "ofsck check (no content hashing)" \
    "$t_chk" "$m_chk" "$(ratio "$t_chk" "$t_dep_a")"
  printf '%-44s %8ss %8s KiB  ratio vs depmod -a %s\n' "ofsck check (signatures verified)" \
    "$t_chkv" "$m_chkv" "$(ratio "$t_chkv" "$t_dep_a")"
done
