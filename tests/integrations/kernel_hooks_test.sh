#!/usr/bin/env bash
# The kernel install hooks, run as the tools run them, on a real Debian kernel package tree
# (6.1.0-47-amd64, hard-linked) installed into a root whose running kernel is 6.1.0-56-amd64:
#   - systemd's kernel-install (the real one when installed): `kernel-install add KVER IMAGE`
#     with its plugin list set to a 50-depmod that indexes the root, then 55-ofsck.install;
#   - Debian's linux-image postinst: `run-parts --exit-on-error --arg=KVER --arg=IMAGE
#     /etc/kernel/postinst.d` holding postinst.d-ofsck as `ofsck`.
# Both run the real ofsck (through a wrapper that gives it a private cache) against the root.
source "$(dirname "$0")/lib.sh"
need "$trees/$k47/boot/vmlinuz-$k47"
hooks=$src/packaging/kernel
root=$tmp/root
image=$root/boot/vmlinuz-$k47
state=$root/var/lib/ofsck/state/$k47

# The running kernel: 6.1.0-56 with a vendor dummy.ko in updates/ built for it.
make_root "$root" ok "$k56"
mkdir -p "$root/lib/modules/$k56/updates"
mv "$root/lib/modules/$k56/kernel/dummy.ko" "$root/lib/modules/$k56/updates/"
depmod -b "$root" "$k56"
# The new kernel's package files; a stale copy of that vendor module in its updates/.
cp -al "$trees/$k47/." "$root/"
mkdir -p "$root/lib/modules/$k47/updates"
cp "$root/lib/modules/$k56/updates/dummy.ko" "$root/lib/modules/$k47/updates/"

cat >"$tmp/ofsck" <<WRAP
#!/bin/sh
echo "\$*" >>"$tmp/calls"
exec "$bin" "\$@" --cache-dir "$tmp/cache"
WRAP
mkdir -p "$tmp/install.d" "$tmp/postinst.d" "$tmp/kconf" "$tmp/boot"
cat >"$tmp/install.d/50-depmod.install" <<DEP
#!/bin/sh
[ "\$1" = add ] && exec depmod -b "$root" "\$2"
exit 0
DEP
printf '#!/bin/sh\ntouch "%s/after"\n' "$tmp" >"$tmp/install.d/60-after.install"
cp "$hooks/postinst.d-ofsck" "$tmp/postinst.d/ofsck"
chmod +x "$tmp/ofsck" "$tmp/install.d/"* "$tmp/postinst.d/ofsck"
export OFSCK_ROOT=$root OFSCK_BIN=$tmp/ofsck OFSCK_RUNNING_KERNEL=$k56
export OFSCK_KERNEL_HOOK_PROGRAM=$hooks/kernel-hook

# kernel-install add KVER IMAGE, as a package's postinst or dracut would; its output in $tmp/out.
kinstall() {
  if command -v kernel-install >/dev/null; then
    KERNEL_INSTALL_PLUGINS="$tmp/install.d/50-depmod.install $hooks/55-ofsck.install $tmp/install.d/60-after.install" \
      KERNEL_INSTALL_CONF_ROOT=$tmp/kconf BOOT_ROOT=$tmp/boot \
      MACHINE_ID=0123456789abcdef0123456789abcdef kernel-install add "$k47" "$image" >"$tmp/out" 2>&1
  else  # the documented arguments: add KVER ENTRY-DIR IMAGE
    "$tmp/install.d/50-depmod.install" add "$k47" &&
      "$hooks/55-ofsck.install" add "$k47" "$tmp/boot/entry" "$image" >"$tmp/out" 2>&1 &&
      "$tmp/install.d/60-after.install"
  fi
}
# postinst.d: run-parts as linux-image-KVER's postinst calls it; stderr in $tmp/out.
postinst() {
  run-parts --report --exit-on-error --arg="$k47" --arg="$image" "$tmp/postinst.d" \
    >"$tmp/stdout" 2>"$tmp/out" </dev/zero
}
says() { grep -qF -- "$1" "$tmp/out" || { cat "$tmp/out"; fail "the hook did not say: $1"; }; }
verdict() { sed -n 's/^verdict //p' "$state"; }

rc=0; kinstall || rc=$?
[[ $rc == 0 ]] || { cat "$tmp/out"; fail "kernel-install add: exit $rc (warn mode must not fail)"; }
[[ -f $root/lib/modules/$k47/modules.dep ]] || fail "50-depmod did not run"
[[ -f $tmp/after ]] || fail "the plugin after 55-ofsck did not run"
says "ofsck: kernel $k47: the modules that will not load, and why"
says "dummy"
says "ofsck: out-of-tree modules of $k56 on $k47"
says "ofsck: kernel $k47: some modules will not load (above)"
grep -qx "check -q --color never --root $root --kernel $k47 --state-file" "$tmp/calls" ||
  fail "the check ran as: $(cat "$tmp/calls")"
[[ $(verdict) == FAIL ]] || fail "state file: $(cat "$state")"
grep -qx "first dummy" "$state" || fail "state file: $(cat "$state")"
[[ -n $(ls -A "$tmp/cache") ]] || fail "the cache was not filled"
pass "kernel-install add: prints what will not load, state and cache refreshed, exit 0"

rm -f "$tmp/after"
rc=0; OFSCK_KERNEL_HOOK=fail kinstall || rc=$?
[[ $rc == 1 ]] || { cat "$tmp/out"; fail "OFSCK_KERNEL_HOOK=fail: kernel-install exit $rc, want 1"; }
pass "OFSCK_KERNEL_HOOK=fail fails kernel-install add"

rc=0; postinst || rc=$?
[[ $rc == 0 && ! -s $tmp/stdout ]] || fail "postinst.d: exit $rc, stdout: $(cat "$tmp/stdout")"
says "ofsck: kernel $k47: some modules will not load (above)"
mkdir -p "$root/etc/default"
echo OFSCK_KERNEL_HOOK=fail >"$root/etc/default/ofsck"
rc=0; postinst || rc=$?
[[ $rc == 1 ]] || fail "postinst.d with OFSCK_KERNEL_HOOK=fail in /etc/default/ofsck: exit $rc"
pass "postinst.d: output on stderr only, exit 0; 1 when /etc/default/ofsck says fail"

# Rebuilt: the stale module gone from both kernels; fail mode passes, the state says ok and
# NHC's check_ofsck reads it once 6.1.0-47 runs.
rm "$root/lib/modules/$k47/updates/dummy.ko" "$root/lib/modules/$k56/updates/dummy.ko"
depmod -b "$root" "$k56"
rc=0; OFSCK_KERNEL_HOOK=fail kinstall || rc=$?
[[ $rc == 0 ]] || { cat "$tmp/out"; fail "clean kernel, fail mode: exit $rc"; }
[[ $(verdict) == ok ]] || fail "state after the rebuild: $(cat "$state")"
out=$(OFSCK_STATE_DIR="$root/var/lib/ofsck/state" OFSCK_MODULES_DIR="$root/lib/modules" \
  OFSCK_KERNEL="$k47" bash -c 'die() { echo "died: $*"; exit 1; }; source "$0"; check_ofsck' \
  "$src/packaging/nhc/ofsck.nhc") || fail "NHC after the install: $out"
pass "clean kernel: exit 0 in fail mode, state ok, NHC's check_ofsck passes"

echo OFSCK_KERNEL_HOOK=off >"$root/etc/default/ofsck"
: >"$tmp/calls"
rc=0; postinst || rc=$?
[[ $rc == 0 && ! -s $tmp/calls ]] || fail "OFSCK_KERNEL_HOOK=off: exit $rc, calls $(cat "$tmp/calls")"
rm "$root/etc/default/ofsck"
pass "OFSCK_KERNEL_HOOK=off does nothing"

# Never 77 (kernel-install would skip every later plugin), whatever ofsck exits with; a hook
# left behind by a removed package does nothing.
printf '#!/bin/sh\nexit 77\n' >"$tmp/ofsck77"; chmod +x "$tmp/ofsck77"
rm -f "$tmp/after"
rc=0; OFSCK_BIN=$tmp/ofsck77 OFSCK_KERNEL_HOOK=fail kinstall || rc=$?
[[ $rc == 0 && -f $tmp/after ]] || fail "ofsck exiting 77: kernel-install exit $rc"
rc=0; OFSCK_KERNEL_HOOK_PROGRAM=$tmp/gone postinst || rc=$?
[[ $rc == 0 && ! -s $tmp/out ]] || fail "removed package: exit $rc, $(cat "$tmp/out")"
pass "never 77; a removed package's hook is a no-op"
