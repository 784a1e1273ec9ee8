#!/usr/bin/env bash
# Builds the small out-of-tree test modules of tests/fixtures/kmod-src with kbuild against the
# headers of a cached Debian kernel tree (see scripts/fetch-testdata.sh), then signs copies.
#   usage: build-test-modules.sh KVER [OUTDIR]
#   KVER `k7` means the newest cached 7.x tree (the one `fetch-testdata.sh k7` picked)
#   OFSCK_TESTDATA   cache directory (default ~/.cache/ofsck-testdata); tree = $OFSCK_TESTDATA/trees/KVER
#   OUTDIR           default $OFSCK_TESTDATA/modules/KVER
# Output (layout documented in tests/fixtures/README.md):
#   OUTDIR/unsigned/{ofs_core,ofs_consumer,ofs_nsuser,ofs_nsbad,ofs_prop,ofs_missing,ofs_leaf}.ko
#   OUTDIR/unsigned/ofs_core-v2/ofs_core.ko
#   On kernels with EXPORT_SYMBOL_FOR_MODULES (6.16+, module: namespaces) instead:
#   OUTDIR/unsigned/{ofs_leaf,ofs7_core,ofs7_friend,ofs7_stranger,ofs7_kwrite}.ko (sources in
#   tests/fixtures/kmod-src7; the 6.x sources predate MODULE_IMPORT_NS("...") strings)
#   OUTDIR/signed/...   same names, signed with OUTDIR/keys/signing_key.pem by kbuild's sign-file
#   OUTDIR/ofs_core-v1.symvers, OUTDIR/ofs_core-v2.symvers   the Module.symvers kbuild wrote
#   OUTDIR/keys/{x509.genkey,signing_key.pem,signing_key.x509}  generated once, kept across rebuilds
#   OUTDIR/build/ (kbuild work dirs), OUTDIR/build.log, OUTDIR/.src-hash
# Idempotent: prints nothing and does nothing when the sources (and this script) are unchanged.
# When the kernel's kbuild cannot run here (its binaries need a newer glibc than the machine's, or
# the compiler named in its .config is missing, as with Debian unstable's 7.x on Debian 12), the
# modules are built in a Debian unstable chroot made once with mmdebstrap from the cached header
# packages: $OFSCK_TESTDATA/chroots/KVER (about 450 MB; the Debian mirror must be reachable once).
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 KVER [OUTDIR]" >&2; exit 2; }
kver=$1
cache=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
if [ "$kver" = k7 ]; then
  kver=$(for t in "$cache/trees"/7.*-amd64; do if [ -f "$t/.complete" ]; then basename "$t"; fi; done | sort -V | tail -1)
  [ -n "$kver" ] || { echo "build-test-modules: no 7.x tree (run scripts/fetch-testdata.sh k7 first)" >&2; exit 1; }
fi
out=${2:-$cache/modules/$kver}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/../tests/fixtures/kmod-src
src7=$here/../tests/fixtures/kmod-src7
tree=$cache/trees/$kver
die() { echo "build-test-modules: $*" >&2; exit 1; }

[ -f "$tree/.complete" ] || die "no tree $tree (run scripts/fetch-testdata.sh first)"
hdr=$tree/usr/src/linux-headers-$kver
[ -f "$hdr/Makefile" ] || die "no headers in $hdr"
signfile=$hdr/scripts/sign-file
[ -x "$signfile" ] || die "no $signfile"

# Which fixtures: module: namespaces exist when export.h has EXPORT_SYMBOL_FOR_MODULES.
k7mods=0
grep -qs 'define EXPORT_SYMBOL_FOR_MODULES' "$tree"/usr/src/linux-headers-*-common/include/linux/export.h && k7mods=1
# Where kbuild runs: here, or in a chroot when its binaries or its compiler do not work here.
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$hdr/.config")
modpost=$(ls "$tree"/usr/lib/linux-kbuild-*/scripts/mod/modpost.real-lsb-64 2>/dev/null | head -1)
use_chroot=0
if ! command -v "$cc" >/dev/null || { [ -n "$modpost" ] && "$modpost" -h 2>&1 | grep -q "version .GLIBC_"; }; then
  use_chroot=1
fi
if [ $use_chroot -eq 0 ]; then
  # Debian's headers Makefile is one line, `include /usr/src/linux-headers-<abi>-common/Makefile`,
  # an absolute path outside the extracted tree. Instead of rewriting it we run make in the flavour
  # dir (objtree, has .config/.kernelvariables/Module.symvers) with -f pointing at the extracted
  # common Makefile (srctree). The scripts/ symlinks are relative and resolve inside the tree.
  common_mk=$(sed -n 's/^include[[:space:]]\+//p' "$hdr/Makefile" | head -1)
  [ -n "$common_mk" ] && [ -f "$tree$common_mk" ] || die "cannot find common Makefile ($common_mk) in $tree"
  common_mk=$tree$common_mk
  command -v gcc-12 >/dev/null || die "gcc-12 missing (scripts/install-deps.sh)"
fi
mkdir -p "$out"
exec 9>"$out/.lock"; flock 9  # concurrent callers for the same OUTDIR wait for one build

if [ $k7mods -eq 1 ]; then
  mods=(ofs_leaf ofs7_core ofs7_friend ofs7_stranger ofs7_kwrite); outputs=()
else
  mods=(ofs_core ofs_consumer ofs_nsuser ofs_nsbad ofs_prop ofs_missing ofs_leaf)
  outputs=(ofs_core-v2/ofs_core.ko)
fi
for m in "${mods[@]}"; do outputs+=("$m.ko"); done

hash=$( { echo "$kver $use_chroot"; cat "${BASH_SOURCE[0]}"; [ $use_chroot -eq 1 ] || gcc-12 --version | head -1;
          (cd "$src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum);
          (cd "$src7" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); } \
        | sha256sum | cut -d' ' -f1)
uptodate=1
[ "$(cat "$out/.src-hash" 2>/dev/null)" = "$hash" ] || uptodate=0
for f in "${outputs[@]}"; do [ -f "$out/unsigned/$f" ] && [ -f "$out/signed/$f" ] || uptodate=0; done
[ $uptodate -eq 1 ] && exit 0

# A Debian unstable chroot with the kernel's own compiler and kbuild: the cached header packages
# of the tree, their dependencies (gcc-N-for-host, pahole, ...) from the mirror. Made once per KVER.
make_chroot() {
  local croot=$1 abi=${kver%-amd64} debs=() p f opts=()
  [ -f "$croot/.complete" ] && return 0
  command -v mmdebstrap >/dev/null || die "mmdebstrap missing (scripts/install-deps.sh)"
  for p in "linux-headers-$kver" "linux-headers-$abi-common" "linux-kbuild-$abi" "linux-base-$kver"; do
    f=$(ls "$cache/debs/${p}_"*.deb 2>/dev/null | sort -V | tail -1)
    [ -n "$f" ] || die "no cached $p .deb (scripts/fetch-testdata.sh k7)"
    debs+=("$f")
  done
  # The machine's own apt setting for expired Release files applies to the chroot's apt too.
  apt-config dump Acquire::Check-Valid-Until | grep -q '"false"' \
    && opts+=(--aptopt='Acquire::Check-Valid-Until "false"')
  echo "build-test-modules: making a Debian unstable build chroot in $croot" >&2
  rm -rf "$croot.tmp"
  mmdebstrap --quiet --variant=essential "${opts[@]}" \
    --include="make,libc6-dev,$(IFS=,; echo "${debs[*]}")" sid "$croot.tmp" \
    'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main' \
    >"$croot.log" 2>&1 || { tail -20 "$croot.log" >&2; die "mmdebstrap failed (log: $croot.log)"; }
  rm -rf "$croot"; mv "$croot.tmp" "$croot"; touch "$croot/.complete"
}

echo "build-test-modules: building test modules for $kver in $out" >&2
out=$(cd "$out" && pwd)
rm -rf "$out/build" "$out/unsigned" "$out/signed" "$out/.src-hash" "$out"/ofs_core-v*.symvers
log=$out/build.log; : >"$log"
if [ $use_chroot -eq 1 ]; then
  croot=$cache/chroots/$kver
  mkdir -p "$cache/chroots"
  make_chroot "$croot"
  # kbuild sees the work dir as $cwork inside the chroot; $work is the same dir from here. One
  # per OUTDIR (whose lock we hold).
  cwork=/build/$(printf %s "$out" | sha256sum | cut -c1-16)
  work=$croot$cwork
  rm -rf "$work"; mkdir -p "$work"
  ln -sfn "$work" "$out/build"
else
  work=$out/build; cwork=$work
  mkdir -p "$work"
fi
cp -r "$src/." "$work/"
[ $k7mods -eq 1 ] && cp -r "$src7/." "$work/"
[ $k7mods -eq 1 ] || cp -r "$work/core" "$work/core-v2"

kmake() {  # kmake DIR [VAR=VALUE...]: kbuild `modules` for the external module in $work/DIR
  local dir=$1; shift
  echo "### make M=$cwork/$dir $*" >>"$log"
  # No module BTF: 6.1 headers lack vmlinux (kbuild skips it anyway) and 6.12 would need pahole.
  if [ $use_chroot -eq 1 ]; then
    # objtool reads /proc: a private mount namespace gives the chroot its own /proc, gone on exit.
    unshare --mount --propagation private sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' \
      sh "$croot" "$croot" make -C "/usr/src/linux-headers-$kver" M="$cwork/$dir" \
      CONFIG_DEBUG_INFO_BTF_MODULES= "$@" modules >>"$log" 2>&1 \
      || { tail -30 "$log" >&2; die "kbuild failed for $dir (full log: $log)"; }
    return 0
  fi
  make -C "$hdr" -f "$common_mk" M="$work/$dir" CONFIG_DEBUG_INFO_BTF_MODULES= "$@" modules \
    >>"$log" 2>&1 \
    || { tail -30 "$log" >&2; die "kbuild failed for $dir (full log: $log)"; }
}

if [ $k7mods -eq 1 ]; then
  # The users of module: symbols fail modpost's namespace check ("uses symbol ... from namespace
  # module:..., but does not import it": external modules never match a module: namespace on
  # some versions); CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS (-N) makes that a warning and
  # changes nothing in the .ko.
  kmake leaf
  kmake core
  for d in friend stranger kwrite; do
    kmake "$d" KBUILD_EXTRA_SYMBOLS="$cwork/core/Module.symvers" CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=y
  done
  mkdir -p "$out/unsigned"
  for m in "${mods[@]}"; do
    d=${m#ofs7_}; d=${d#ofs_}; [ -f "$work/$d/$m.ko" ] || die "kbuild produced no $work/$d/$m.ko"
    cp "$work/$d/$m.ko" "$out/unsigned/$m.ko"
  done
  cp "$work/core/Module.symvers" "$out/ofs7_core.symvers"
else
  kmake core
  kmake core-v2 OFS_CORE_V2=y
  v1=$work/core/Module.symvers
  kmake consumer KBUILD_EXTRA_SYMBOLS="$v1"
  kmake nsuser KBUILD_EXTRA_SYMBOLS="$v1"
  # modpost refuses ofs_nsbad (namespace not imported) and ofs_prop (GPL-only symbol in a
  # proprietary module) with an ERROR and writes no .mod.c, so `make -i` does not help. Those checks
  # only read the export type and namespace columns of the symvers file, so we hand modpost a copy of
  # v1's Module.symvers with ofs_ns_fn's namespace removed (for nsbad) and ofs_core_gpl_fn's type
  # changed to EXPORT_SYMBOL (for prop). CRCs and the module column stay, so __versions holds the
  # real v1 CRCs and depends=ofs_core, exactly what the module would contain without those checks.
  awk -F'\t' -v OFS='\t' '$2 == "ofs_ns_fn" { $5 = "" } { print }' "$v1" >"$work/nsbad.symvers"
  awk -F'\t' -v OFS='\t' '$2 == "ofs_core_gpl_fn" { $4 = "EXPORT_SYMBOL" } { print }' "$v1" >"$work/prop.symvers"
  kmake nsbad KBUILD_EXTRA_SYMBOLS="$work/nsbad.symvers"
  kmake prop KBUILD_EXTRA_SYMBOLS="$work/prop.symvers"
  # Nothing exports ofs_nonexistent_fn: KBUILD_MODPOST_WARN=1 turns modpost's "undefined!" into a warning.
  kmake missing KBUILD_MODPOST_WARN=1
  kmake leaf

  mkdir -p "$out/unsigned/ofs_core-v2"
  for m in "${mods[@]}"; do
    d=${m#ofs_}; [ -f "$work/$d/$m.ko" ] || die "kbuild produced no $work/$d/$m.ko"
    cp "$work/$d/$m.ko" "$out/unsigned/$m.ko"
  done
  cp "$work/core-v2/ofs_core.ko" "$out/unsigned/ofs_core-v2/ofs_core.ko"
  cp "$v1" "$out/ofs_core-v1.symvers"
  cp "$work/core-v2/Module.symvers" "$out/ofs_core-v2.symvers"
fi

# Signing key: like the kernel's certs/default_x509.genkey (generated once, reused).
keys=$out/keys
if [ ! -f "$keys/signing_key.pem" ] || [ ! -f "$keys/signing_key.x509" ]; then
  mkdir -p "$keys"
  cat >"$keys/x509.genkey" <<'EOF'
[ req ]
default_bits = 4096
distinguished_name = req_distinguished_name
prompt = no
string_mask = utf8only
x509_extensions = myexts

[ req_distinguished_name ]
CN = ofsck test signing key

[ myexts ]
basicConstraints=critical,CA:FALSE
keyUsage=digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 -config "$keys/x509.genkey" \
    -outform PEM -out "$keys/signing_key.pem" -keyout "$keys/signing_key.pem" >>"$log" 2>&1
  openssl x509 -in "$keys/signing_key.pem" -outform DER -out "$keys/signing_key.x509"
fi
for f in "${outputs[@]}"; do
  mkdir -p "$(dirname "$out/signed/$f")"
  "$signfile" sha256 "$keys/signing_key.pem" "$keys/signing_key.x509" "$out/unsigned/$f" "$out/signed/$f"
done

# Self-check with kmod: the v1/v2 CRCs of ofs_core_register differ, the consumer carries v1's,
# and every signed copy names our signer. (7.x: no modversions, no CRCs to compare.)
crc() { modprobe --dump-modversions "$1" | awk -v s="$2" '$2 == s { print $1 }'; }
if [ $k7mods -eq 0 ]; then
  c1=$(awk '$2 == "ofs_core_register" { print $1 }' "$out/ofs_core-v1.symvers")
  c2=$(awk '$2 == "ofs_core_register" { print $1 }' "$out/ofs_core-v2.symvers")
  [ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" != "$c2" ] || die "ofs_core_register CRC v1=$c1 v2=$c2 must differ"
  [ "$(crc "$out/unsigned/ofs_consumer.ko" ofs_core_register)" = "$c1" ] || die "ofs_consumer lacks v1 CRC"
else
  [ "$(awk '$2 == "ofs7_friend_fn" { print $5 }' "$out/ofs7_core.symvers")" = "module:ofs7-friend*" ] \
    || die "ofs7_friend_fn is not in namespace module:ofs7-friend*"
fi
for f in "${outputs[@]}"; do
  [ "$(modinfo -F signer "$out/signed/$f")" = "ofsck test signing key" ] || die "signed/$f: bad signer"
  [ -z "$(modinfo -F signer "$out/unsigned/$f")" ] || die "unsigned/$f is signed"
done
echo "$hash" >"$out/.src-hash"
