#!/usr/bin/env bash
# The packages `make package` built, as an administrator gets them (run by scripts/run-tests.sh;
# OFSCK_SKIP_PACKAGE=1 skips it):
#   * lintian reports no error for the .deb;
#   * the .rpm (rpm -qpl) holds the same files as the .deb (dpkg-deb -c), the config file is a
#     conffile / %config in both, and their dependencies are the libraries the binary links;
#   * every installed man page renders with man-db at 80 columns without a warning, and equals
#     what the installed binary generates (no drift from --help), as do the completions;
#   * the .deb installs with `dpkg --root` into a fresh, empty root; its binary runs there
#     (`--version`, and a real `check` of a Debian 6.1 tree with a vendor ib_core built for
#     another ABI), in a chroot holding only the package and the libraries it links.
# Usage: package-test.sh [PKGBUILD_DIR]   (default build/package)
set -euo pipefail
pkgbuild=${1:-build/package}
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
deb=$(ls "$pkgbuild"/packages/ofsck_*.deb 2>/dev/null | tail -1)
rpm=$(ls "$pkgbuild"/packages/ofsck-*.rpm 2>/dev/null | tail -1)
[ -n "$deb" ] && [ -n "$rpm" ] || fail "no .deb/.rpm in $pkgbuild/packages (run make package)"
cache=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
mkdir -p "$cache"
# Under the cache: the check below hard-links a cached kernel tree (same filesystem).
tmp=$(mktemp -d "$cache/package-test-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "package-test: lintian $deb"
lintian --no-tag-display-limit "$deb" >"$tmp/lintian" 2>&1 || true
if grep -q '^E: ' "$tmp/lintian"; then cat "$tmp/lintian" >&2; fail "lintian errors"; fi

echo "package-test: payloads of the .deb and the .rpm"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | sort >"$tmp/deb.files"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | awk '$1 !~ /^d/ {print $2}' |
  sort >"$tmp/rpm.files"
diff -u "$tmp/deb.files" "$tmp/rpm.files" || fail "the .rpm's files differ from the .deb's"
want=(/usr/sbin/ofsck /etc/ofsck/ofsck.conf /usr/share/doc/ofsck/README.md
      /usr/share/doc/ofsck/copyright /usr/share/doc/ofsck/changelog.gz
      /usr/share/man/man8/ofsck.8.gz /usr/share/bash-completion/completions/ofsck
      /usr/share/zsh/vendor-completions/_ofsck)
# The integrations (issue 10; tests/integrations): NHC's check, the kernel install hooks, the
# Ansible fact.
integration_programs=(/usr/lib/kernel/install.d/55-ofsck.install /etc/kernel/postinst.d/ofsck
      /usr/lib/ofsck/kernel-hook /etc/ansible/facts.d/ofsck.fact)
want+=(/etc/nhc/scripts/ofsck.nhc "${integration_programs[@]}")
for f in "${want[@]}"; do grep -qx "$f" "$tmp/deb.files" || fail "$f is not in the .deb"; done
for f in "${integration_programs[@]}"; do
  mode=$(dpkg-deb -c "$deb" | awk -v f=".$f" '$6 == f {print $1}')
  [ "$mode" = -rwxr-xr-x ] || fail "$f is $mode in the .deb, not -rwxr-xr-x"
done
conffiles=$(printf '%s\n' /etc/ofsck/ofsck.conf /etc/nhc/scripts/ofsck.nhc /etc/kernel/postinst.d/ofsck \
  /etc/ansible/facts.d/ofsck.fact | sort)
[ "$(dpkg-deb -I "$deb" conffiles | sort)" = "$conffiles" ] || fail ".deb conffiles"
[ "$(rpm -qpc "$rpm" | sort)" = "$conffiles" ] || fail ".rpm %config"
depends=$(dpkg-deb -f "$deb" Depends)
requires=$(rpm -qpR "$rpm")
for lib in libc6 libssl3 libarchive13 librpm9 libkmod2 liblzma5 libzstd1 libjemalloc2; do
  [[ $depends == *"$lib ("* ]] || fail ".deb Depends lacks a versioned $lib: $depends"
done
for so in libcrypto.so.3 libarchive.so.13 librpm.so.9 libkmod.so.2 libzstd.so.1; do
  grep -q "^$so()" <<<"$requires" || fail ".rpm Requires lacks $so: $requires"
done

echo "package-test: dpkg --root into a fresh root"
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
dpkg --root="$root" --force-depends --force-not-root -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log" >&2; fail "dpkg --root -i"; }
dpkg --root="$root" -L ofsck | grep -qx /usr/sbin/ofsck || fail "dpkg -L ofsck"
bin=$root/usr/sbin/ofsck
version=$("$bin" --version) || fail "ofsck --version"
[[ $version == "ofsck $(dpkg-deb -f "$deb" Version)"* ]] || fail "--version: $version"
[[ $version == *"models: Linux kernels "* ]] || fail "--version has no generations: $version"

echo "package-test: man pages and completions as installed"
"$bin" --help-man "$tmp/man"
"$bin" --completion bash >"$tmp/bash"
"$bin" --completion zsh >"$tmp/zsh"
n=0
for page in "$root"/usr/share/man/man8/*.8.gz; do
  n=$((n + 1))
  cmp -s <(zcat "$page") "$tmp/man/$(basename "$page" .gz)" || fail "$page differs from --help-man"
  warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [ -z "$warn" ] || fail "man -l $page: $warn"
done
[ "$n" -eq "$(ls "$tmp/man" | wc -l)" ] || fail "$n pages installed, $(ls "$tmp/man" | wc -l) generated"
cmp -s "$root/usr/share/bash-completion/completions/ofsck" "$tmp/bash" || fail "bash completion"
cmp -s "$root/usr/share/zsh/vendor-completions/_ofsck" "$tmp/zsh" || fail "zsh completion"

if [ "$(id -u)" -ne 0 ]; then
  echo "package-test: not root: the chroot run is skipped"
  echo "package-test: ok ($n man pages)"
  exit 0
fi
echo "package-test: a check in a chroot holding the package and its libraries"
# The libraries the binary links, from the host (what the .deb's Depends would install).
ldd "$bin" | awk '/=> \// {print $3} /^\t\/.*ld-linux/ {print $1}' | while read -r lib; do
  cp -L --parents "$lib" "$root/"
done
new=6.1.0-56-amd64 old=6.1.0-47-amd64
[ -d "$cache/trees/$new" ] && [ -d "$cache/trees/$old" ] || fail "no cached $new/$old (make testdata)"
node=$root/srv/node
mkdir -p "$node"
cp -al "$cache/trees/$new/." "$node/"
mkdir -p "$node/lib/modules/$new/updates" "$node/etc/depmod.d"
cp "$cache/trees/$old/lib/modules/$old/kernel/drivers/infiniband/core/ib_core.ko" \
   "$node/lib/modules/$new/updates/ib_core.ko"
printf 'override ib_core * weak-updates/vendor-ofed\n' >"$node/etc/depmod.d/zz01-vendor.conf"
chroot "$root" /usr/sbin/ofsck --version >/dev/null || fail "chroot ofsck --version"
rc=0
chroot "$root" /usr/sbin/ofsck check --root /srv/node --no-cache -q --only ib_core \
  >"$tmp/check.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { cat "$tmp/check.out" >&2; fail "check exited $rc, not 1"; }
grep -q 'updates/ib_core.ko: error\[OFS201\]' "$tmp/check.out" ||
  { cat "$tmp/check.out" >&2; fail "check did not find the vendor ib_core's module_layout"; }
echo "package-test: ok ($n man pages, lintian clean of errors, chroot check exit 1 as expected)"
