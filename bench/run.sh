#!/usr/bin/env bash
# Compares `ofsck check` with kmod's depmod on the same real Debian trees, in one run, and prints
# the ratios: wall time (best of N), CPU time (user+sys of that run) and peak RSS. The page cache
# is warmed first. Not a test: nothing asserts on time.
#   bench/run.sh [OFSCK_BIN]     N=5 by default (env N); KVERS="6.1.0-56-amd64 ..." picks the
#                                trees, EXTRAS=0 skips the whatif and image rows
# Rows:
#   first run  = --no-cache: every module file read and parsed, the kernel image decompressed
#   repeat run = a warm --cache-dir (what a second `ofsck check` on an unchanged node costs);
#                also `ofsck snapshot -o -` with that cache (its file digests cached)
#   floor part = CPU seconds of one piece of the unavoidable work (bench/floor.cc): reading,
#                decompressing .ko.xz/.ko.zst, SHA-256 of the signed bytes, the signature
#                verifications (count x cost), the serial image decode (to the key list; whole)
#   floor sum  = those parts spread on the cores with the image decode on one of them; ofsck's
#                first verified check is printed as a ratio to it and to depmod -a, with both
#                peak RSS figures
set -euo pipefail
ofsck=${1:-build/release/ofsck}
floor=${FLOOR:-$(dirname "$ofsck")/bench/floor}   # bench/floor.cc: the physical floor
N=${N:-5}
cache=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
bash scripts/fetch-testdata.sh k61new k612 k7 >/dev/null
# The newest cached 7.x tree (the version `fetch-testdata.sh k7` picked).
k7=$(for t in "$cache/trees"/7.*-amd64; do if [ -f "$t/.complete" ]; then basename "$t"; fi; done | sort -V | tail -1)
work=$(mktemp -d /dev/shm/ofsck-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

# best_of CMD...: prints "<best wall s> <cpu s of that run> <peak RSS KiB of that run>"
best_of() {
  local best="" cpu="" rss="" i out
  for ((i = 0; i < N; i++)); do
    /usr/bin/time -o "$work/time.out" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
    read -r t u s m < <(tail -1 "$work/time.out")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
      best=$t; cpu=$(awk "BEGIN{printf \"%.2f\", $u + $s}"); rss=$m
    fi
  done
  echo "$best $cpu $rss"
}
ratio() { awk "BEGIN{printf \"%.3f\", $1 / $2}"; }
# floor_parts FLOOR MODDIR IMAGE: prints the floor's parts (best of N runs by their CPU sum) and
# sets fsum = max(image to keys, (parts + image to keys) / threads).
floor_parts() {
  local i out best="" bestsum=""
  for ((i = 0; i < N; i++)); do
    out=$("$@" 2>/dev/null) || continue
    local sum
    sum=$(awk '/^parts-cpu/{p=$2} /^image-to-keys-cpu/{k=$2} END{printf "%.3f", p + k}' <<<"$out")
    if [ -z "$best" ] || awk "BEGIN{exit !($sum < $bestsum)}"; then best=$out bestsum=$sum; fi
  done
  awk '/^part /{sub(/^part /, ""); name=$1; $1=""; printf "  floor part %-20s %s\n", name, $0}' <<<"$best"
  fsum=$(awk '/^parts-cpu/{p=$2} /^image-to-keys-cpu/{k=$2} /^threads/{t=$2}
    END{f=(p + k) / t; if (k > f) f=k; printf "%.3f", f}' <<<"$best")
  fcpu=$bestsum
}
row() {  # row LABEL WALL CPU RSS [BASE_WALL]
  if [ $# -ge 5 ]; then
    printf '%-50s %7ss %7ss cpu %8s KiB   x%s of depmod -a\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$5")"
  else
    printf '%-50s %7ss %7ss cpu %8s KiB\n' "$1" "$2" "$3" "$4"
  fi
}

for kver in ${KVERS:-6.1.0-56-amd64 6.12.117+deb12-amd64 $k7}; do
  root="$work/$kver"
  mkdir -p "$root"
  cp -a "$cache/trees/$kver/." "$root/"   # depmod -a writes indexes: never into the cache
  # 7.x packages ship usr/lib/modules only: lib -> usr/lib as on a merged-/usr system, where
  # kmod 30's depmod -b looks.
  [ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
  find "$root" -name '*.ko*' -exec cat {} + >/dev/null  # warm the page cache
  nmod=$(find "$root" -name '*.ko*' | wc -l)
  symvers="$root/usr/src/linux-headers-$kver/Module.symvers"
  cdir="$work/cache-$kver"
  echo "== $kver ($nmod module files), best of $N, warm page cache, $(nproc) cores"
  read -r w c m < <(best_of depmod -b "$root" -a "$kver"); base=$w depmod_m=$m
  row "depmod -a" "$w" "$c" "$m"
  read -r w c m < <(best_of depmod -b "$root" -n -e -E "$symvers" "$kver")
  row "depmod -n -e -E" "$w" "$c" "$m" "$base"
  read -r w c m < <(best_of "$ofsck" depmod --root "$root" "$kver")
  row "ofsck depmod (modules.dep)" "$w" "$c" "$m" "$base"
  read -r w c m < <(best_of "$ofsck" check -q --root "$root" --no-cache --no-verify-content)
  row "ofsck check, first run, no content hashing" "$w" "$c" "$m" "$base"
  read -r w c m < <(best_of "$ofsck" check -q --root "$root" --no-cache)
  row "ofsck check, first run, signatures verified" "$w" "$c" "$m" "$base"
  fresh_w=$w fresh_c=$c fresh_m=$m
  # The floor: read + decompress + hash + verify every file with the libraries, on all cores,
  # plus the serial decode of the kernel image. Its parts are CPU seconds (thread CPU clocks:
  # robust against other load), the best of N runs by their sum.
  image=$(ls "$root/boot/vmlinuz-$kver" "$root/usr/lib/modules/$kver/vmlinuz" 2>/dev/null | head -1 || true)
  if [ -x "$floor" ] && [ -n "$image" ]; then
    floor_parts "$floor" "$root/lib/modules/$kver" "$image"
    printf '%-50s %7ss   x%s of depmod -a\n' "floor sum (parts on $(nproc) cores, image serial)" \
      "$fsum" "$(ratio "$fsum" "$base")"
    printf '%-50s x%s of the floor, x%s of depmod -a; peak RSS %s KiB vs depmod -a %s KiB\n' \
      "ofsck check, first run, signatures verified" "$(ratio "$fresh_w" "$fsum")" \
      "$(ratio "$fresh_w" "$base")" "$fresh_m" "$depmod_m"
    # CPU against CPU: what another load on the machine inflates least.
    printf '%-50s x%s of the floor parts'"'"' CPU (%ss)\n' "ofsck check, first run, CPU (user+sys)" \
      "$(ratio "$fresh_c" "$fcpu")" "$fcpu"
  fi
  "$ofsck" check -q --root "$root" --cache-dir "$cdir" >/dev/null 2>&1 || true
  read -r w c m < <(best_of "$ofsck" check -q --root "$root" --cache-dir "$cdir")
  row "ofsck check, repeat run (warm cache)" "$w" "$c" "$m" "$base"
  # The node's snapshot document with the same warm cache (its file digests cached too): it
  # should cost no more than the check (issue 10).
  "$ofsck" snapshot -q --root "$root" --cache-dir "$cdir" -o - >/dev/null 2>&1 || true
  read -r w c m < <(best_of "$ofsck" snapshot -q --root "$root" --cache-dir "$cdir" -o -)
  row "ofsck snapshot, repeat run (warm cache)" "$w" "$c" "$m" "$base"
done

[ "${EXTRAS:-1}" = 0 ] && exit 0

# ofsck whatif with one vendor package: a .deb (dpkg-deb) putting one module into updates/.
# Compare with a plain check of the same root; the difference is the cost of the what-if.
kver=6.1.0-56-amd64
root="$work/$kver"
cdir="$work/cache-$kver"
mkdir -p "$work/vdeb/DEBIAN" "$work/vdeb/lib/modules/$kver/updates"
printf 'Package: acme-pcspkr\nVersion: 1\nArchitecture: amd64\nMaintainer: b <b@e.org>\nDescription: bench\n' \
  >"$work/vdeb/DEBIAN/control"
cp "$(find "$root/lib/modules/$kver" -name pcspkr.ko | head -1)" "$work/vdeb/lib/modules/$kver/updates/"
dpkg-deb --root-owner-group -b "$work/vdeb" "$work/acme-pcspkr.deb" >/dev/null
echo "== ofsck whatif, one vendor .deb ($kver), best of $N"
read -r w c m < <(best_of "$ofsck" check -q --root "$root" --cache-dir "$cdir")
row "ofsck check (warm cache)" "$w" "$c" "$m"
read -r w2 c m < <(best_of "$ofsck" whatif -q --root "$root" --cache-dir "$cdir" --install "$work/acme-pcspkr.deb")
row "ofsck whatif --install vendor.deb (warm cache)" "$w2" "$c" "$m"
printf '%-50s %7ss\n' "whatif beyond check" "$(awk "BEGIN{printf \"%.3f\", $w2 - $w}")"

# ofsck image on a real initramfs: dracut's generic image (base + kernel-modules, zstd) of the
# same tree, built once into the temp dir. Printed next to a plain check of that tree; the
# difference is what reading the image (every part decompressed), its own verdict and the
# comparison with the disk cost beyond a check.
kver=6.1.0-56-amd64
root="$work/$kver"
cdir="$work/cache-$kver"
img="$work/initramfs-$kver.img"
dracut --quiet --no-hostonly --no-hostonly-cmdline --kver "$kver" --kmoddir "$root/lib/modules/$kver" \
  -m "base kernel-modules" --zstd --no-early-microcode -f "$img" >/dev/null 2>&1
nimg=$("$ofsck" image "$img" --root "$root" --format json 2>/dev/null | grep -c '"identical_on_disk"' || true)
echo "== ofsck image, dracut generic image ($kver, $(( $(stat -c %s "$img") / 1048576 )) MiB, $nimg modules), best of $N"
read -r w c m < <(best_of "$ofsck" check -q --root "$root" --cache-dir "$cdir")
row "ofsck check (warm cache)" "$w" "$c" "$m"
read -r w2 c m < <(best_of "$ofsck" image -q "$img" --root "$root" --cache-dir "$cdir")
row "ofsck image INITRAMFS (warm cache)" "$w2" "$c" "$m"
printf '%-50s %7ss\n' "image beyond check" "$(awk "BEGIN{printf \"%.3f\", $w2 - $w}")"
