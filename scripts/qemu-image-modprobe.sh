#!/usr/bin/env bash
# The real boot as the judge of `ofsck image`: boots KERNEL under QEMU (TCG) with the initramfs
# IMAGE itself, with one more cpio appended (the kernel unpacks concatenated archives in order,
# later files win) that holds a static busybox, the host's kmod (/usr/bin/kmod and the shared
# libraries ldd names, run through their loader as `modprobe`) and an init that runs
# `modprobe MODULE` with the image's own module tree, modules.dep(.bin) and modprobe.d, then
# prints /proc/modules.
#   usage: qemu-image-modprobe.sh KERNEL IMAGE MODULE
#   OFSCK_QEMU_TIMEOUT  seconds before the VM is killed (default 120)
#   OFSCK_QEMU_ACCEL    qemu accelerator (default tcg)
#   OFSCK_QEMU_LOG      if set, the raw serial transcript is also copied to this file
# Output on stdout:
#   OFSCK-MODPROBE <exit status of modprobe MODULE>
#   OFSCK-MSG <a line modprobe printed>          (stdout and stderr, in order)
#   OFSCK-LOADED <name>                          (one per /proc/modules line)
#   OFSCK-DONE
# Exit status: 0 when the guest ran to the end, 1 usage/input error, 3 guest did not finish.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 KERNEL IMAGE MODULE" >&2; exit 1; }
kernel=$1 image=$2 module=$3
die() { echo "qemu-image-modprobe: $*" >&2; exit 1; }
[ -f "$kernel" ] || die "no kernel image $kernel"
[ -f "$image" ] || die "no initramfs $image"
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is not static (apt-get install busybox-static)"
kmod=/usr/bin/kmod
[ -x "$kmod" ] || die "no $kmod (apt-get install kmod)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ofsck-qemu-image.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Everything added lives under /ofsck: an entry whose type differs from the image's (a directory
# `lib` over the image's lib -> usr/lib link) would replace it (clean_path() in init/initramfs.c).
ird=$tmp/extra
mkdir -p "$ird/ofsck/lib"
cp "$busybox" "$ird/ofsck/busybox"
cp "$kmod" "$ird/ofsck/kmod"
for lib in $(ldd "$kmod" | grep -o '/[^ ]*'); do cp -L "$lib" "$ird/ofsck/lib/"; done
loader=$(basename "$(ldd "$kmod" | grep -o '/[^ ]*ld-linux[^ ]*')")
cat >"$ird/ofsck/modprobe" <<EOF
#!/ofsck/busybox sh
exec /ofsck/lib/$loader --library-path /ofsck/lib --argv0 modprobe /ofsck/kmod "\$@"
EOF
cat >"$ird/ofsck/init" <<EOF
#!/ofsck/busybox sh
B=/ofsck/busybox
\$B mkdir -p /dev /proc /sys /tmp
\$B mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
\$B mount -t proc proc /proc
\$B mount -t sysfs sysfs /sys
\$B dmesg -n 1
/ofsck/modprobe $module >/tmp/out 2>&1
echo "OFSCK-MODPROBE \$?"
while IFS= read -r line; do echo "OFSCK-MSG \$line"; done </tmp/out
while read -r name rest; do echo "OFSCK-LOADED \$name"; done </proc/modules
echo OFSCK-DONE
\$B poweroff -f
EOF
chmod 755 "$ird/ofsck/init" "$ird/ofsck/modprobe"
cp "$image" "$tmp/initrd"
(cd "$ird" && find ofsck | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >>"$tmp/initrd"

raw=$tmp/console.log
rc=0
timeout -k 5 "${OFSCK_QEMU_TIMEOUT:-120}" qemu-system-x86_64 -accel "${OFSCK_QEMU_ACCEL:-tcg}" \
  -m 512 -smp 1 -nographic -no-reboot -nic none \
  -kernel "$kernel" -initrd "$tmp/initrd" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 tsc=unstable rdinit=/ofsck/init" \
  </dev/null >"$raw" 2>"$tmp/qemu.err" || rc=$?
[ -n "${OFSCK_QEMU_LOG:-}" ] && cp "$raw" "$OFSCK_QEMU_LOG"
tr -d '\r' <"$raw" | grep -aoE 'OFSCK-(MODPROBE|MSG|LOADED|DONE).*' || true  # (BIOS escapes precede the first)
if ! tr -d '\r' <"$raw" | grep -aq "OFSCK-DONE$"; then
  echo "qemu-image-modprobe: guest did not finish (qemu exit $rc); last console lines:" >&2
  tr -d '\r' <"$raw" | tail -n 25 >&2
  cat "$tmp/qemu.err" >&2
  exit 3
fi
