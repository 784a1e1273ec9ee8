#!/usr/bin/env bash
# The real kernel as the judge: boots the kernel image of TREE_ROOT (boot/vmlinuz-KVER, or the
# package layout's usr/lib/modules/KVER/vmlinuz or lib/modules/KVER/vmlinuz) under QEMU (TCG)
# with a throwaway busybox initramfs that insmods the modules of LISTFILE in order, and prints
# what happened.
#   usage: qemu-oracle.sh KVER TREE_ROOT LISTFILE [CMDLINE_EXTRA]
#   LISTFILE   one module path per line (host paths; relative ones are taken from the current
#              directory), in insertion order; blank lines and lines starting with '#' are
#              ignored. A TAB after the path starts the module's options, passed to
#              finit_module(2) as modprobe passes them (e.g. "e1000e.ko<TAB>IntMode=1,2").
#              .ko.xz/.ko.zst/.ko.gz are decompressed on the host (the guest's
#              loader gets a plain ELF; a signature stays valid, it covers the decompressed file).
#   OFSCK_QEMU_TIMEOUT  seconds before the VM is killed (default 120)
#   OFSCK_QEMU_ACCEL    qemu accelerator (default tcg)
#   OFSCK_QEMU_LOG      if set, the raw serial transcript is also copied to this file
# Output on stdout, per listed module in list order (format in tests/fixtures/README.md):
#   OFSCK-BEGIN <basename>
#   OFSCK-RC <basename> <errno of finit_module(2), 0 = loaded>
#   OFSCK-ERR <basename> <ENAME> <strerror text>       (only when the load failed)
#   <kernel log lines logged during this insmod, timestamp removed>
#   OFSCK-END <basename>
# Exit status: 0 when the guest ran the whole list, 1 usage/input error, 3 guest did not finish
# (timeout, panic); on 3 the blocks that did complete are still printed.
set -euo pipefail
[ $# -ge 3 ] && [ $# -le 4 ] || { echo "usage: $0 KVER TREE_ROOT LISTFILE [CMDLINE_EXTRA]" >&2; exit 1; }
kver=$1 root=$2 list=$3 extra=${4:-}
die() { echo "qemu-oracle: $*" >&2; exit 1; }
kernel=
for k in "$root/boot/vmlinuz-$kver" "$root/usr/lib/modules/$kver/vmlinuz" "$root/lib/modules/$kver/vmlinuz"; do
  [ -f "$k" ] && { kernel=$k; break; }
done
[ -n "$kernel" ] || die "no kernel image in $root (boot/vmlinuz-$kver, usr/lib/modules/$kver/vmlinuz)"
[ -f "$list" ] || die "no list file $list"
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is not static (apt-get install busybox-static)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ofsck-qemu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
ird=$tmp/initramfs
mkdir -p "$ird"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,mods}
cp "$busybox" "$ird/bin/busybox"
# Busybox insmod retries a failed finit_module(2) with init_module(2), so every failure is logged
# twice by the kernel. kmod's insmod/modprobe call finit_module once (init_module only on ENOSYS),
# so the guest uses this one-shot loader instead. Exit status = errno, stderr = "ENAME text".
cat >"$tmp/ofsck-insmod.c" <<'CEOF'
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) return 1;
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0 || syscall(SYS_finit_module, fd, argc == 3 ? argv[2] : "", 0) != 0) {
    int e = errno;
    fprintf(stderr, "%s %s\n", strerrorname_np(e) ? strerrorname_np(e) : "?", strerror(e));
    return e;
  }
  return 0;
}
CEOF
gcc -static -Os -o "$ird/bin/ofsck-insmod" "$tmp/ofsck-insmod.c" || die "cannot build the static loader (gcc, libc6-dev)"

# Modules are stored as /mods/<n>.ko (basenames may repeat, e.g. two versions of ofs_core.ko);
# /mods/list maps <n> to the basename used in the markers.
n=0
tab=$(printf '\t')
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue;; esac
  path=${line%%"$tab"*}
  [ -f "$path" ] || die "no module file $path"
  n=$((n + 1))
  dst=$ird/mods/$n.ko
  case "$path" in
    *.xz) xz -dc "$path" >"$dst";;
    *.zst) zstd -q -dc "$path" >"$dst";;
    *.gz) gzip -dc "$path" >"$dst";;
    *) cp "$path" "$dst";;
  esac
  [ "$path" = "$line" ] || printf '%s' "${line#*"$tab"}" >"$ird/mods/$n.opts"
  printf '%s %s\n' "$n" "$(basename "$path")" >>"$ird/mods/list"
done <"$list"
touch "$ird/mods/list"

cat >"$ird/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
dmesg -n 1
dmesg -c >/dev/null
while read -r i name; do
  echo "OFSCK-BEGIN $name"
  if [ -f "/mods/$i.opts" ]; then
    ofsck-insmod "/mods/$i.ko" "$(cat "/mods/$i.opts")" 2>/tmp/err
  else
    ofsck-insmod "/mods/$i.ko" 2>/tmp/err
  fi
  echo "OFSCK-RC $name $?"
  while IFS= read -r line; do echo "OFSCK-ERR $name $line"; done </tmp/err
  dmesg -c
  echo "OFSCK-END $name"
done </mods/list
echo OFSCK-DONE
poweroff -f
EOF
chmod 755 "$ird/init"
(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$tmp/initramfs.gz"

# tsc=unstable: under TCG the TSC is otherwise recalibrated ~1 s after boot and those three
# clocksource lines land in the first module's block.
raw=$tmp/console.log
rc=0
timeout -k 5 "${OFSCK_QEMU_TIMEOUT:-120}" qemu-system-x86_64 -accel "${OFSCK_QEMU_ACCEL:-tcg}" \
  -m 512 -smp 1 -nographic -no-reboot -nic none \
  -kernel "$kernel" -initrd "$tmp/initramfs.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=7 tsc=unstable $extra" \
  </dev/null >"$raw" 2>"$tmp/qemu.err" || rc=$?
[ -n "${OFSCK_QEMU_LOG:-}" ] && cp "$raw" "$OFSCK_QEMU_LOG"

# Keep only the marker blocks: drop \r and the "[   12.345678] " timestamp busybox dmesg prints.
tr -d '\r' <"$raw" | awk '
  /^OFSCK-BEGIN / { inblk = 1 }
  inblk { sub(/^\[ *[0-9]+\.[0-9]+\] /, ""); print }
  /^OFSCK-END / { inblk = 0 }'

if ! tr -d '\r' <"$raw" | grep -qx 'OFSCK-DONE'; then
  echo "qemu-oracle: guest did not finish (qemu exit $rc); last console lines:" >&2
  tr -d '\r' <"$raw" | tail -n 25 >&2
  cat "$tmp/qemu.err" >&2
  exit 3
fi
