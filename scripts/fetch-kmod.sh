#!/bin/sh
# Fetches Debian unstable's kmod (the newest kmod generation) as a second oracle next to the
# machine's own kmod 30, into $OFSCK_TESTDATA/kmod/<version>/ (default ~/.cache/ofsck-testdata).
#
# sid's kmod needs glibc >= 2.38 and Debian 12 has 2.36, so sid's libc6 (and the libraries kmod
# links) are unpacked beside it and the tools run through sid's own dynamic loader:
#   <dir>/modprobe, <dir>/depmod, <dir>/modinfo, <dir>/kmod  (wrapper scripts)
# The machine's apt sources are not touched: a private apt state (sources.list naming sid)
# lives in $OFSCK_TESTDATA/sid-apt, as scripts/fetch-testdata.sh sets it up.
set -eu
T=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
D=$T/sid-apt
[ -f "$D/sources.list" ] || { echo "fetch-kmod: no $D/sources.list (run scripts/fetch-testdata.sh k7 first)" >&2; exit 1; }
apt_sid() {
  apt-get -o Dir::Etc::sourcelist="$D/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$D/lists" -o Dir::Cache="$D/cache" "$@"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt_sid download kmod libkmod2 libc6 libssl3t64 libzstd1 liblzma5 zlib1g >/dev/null)
ver=$(dpkg-deb -f "$work"/kmod_*.deb Version)
out=$T/kmod/$ver
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
for d in "$work"/*.deb; do dpkg-deb -x "$d" "$out.tmp/root"; done
L=$out/root/usr/lib/x86_64-linux-gnu
for t in kmod modprobe depmod modinfo; do
  cat > "$out.tmp/$t" <<EOF
#!/bin/sh
# kmod $ver (Debian sid) through sid's ld.so: the machine's glibc is older than it needs.
exec $L/ld-linux-x86-64.so.2 --library-path $L --argv0 $t $out/root/usr/bin/kmod "\$@"
EOF
  chmod +x "$out.tmp/$t"
done
rm -rf "$out"
mv "$out.tmp" "$out"
"$out/modprobe" --version
echo "fetch-kmod: $out"
