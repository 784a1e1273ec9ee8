# Shared by the integration tests (sourced): the real ofsck binary ($OFSCK_BIN), the cached
# Debian kernel trees (scripts/fetch-testdata.sh), a scratch directory under the cache (so that
# `cp -al` can hard-link trees) and small real roots. Exit 77 (ctest: skipped) when data is
# missing.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${OFSCK_BIN:?OFSCK_BIN must name the ofsck binary}
[[ $bin == /* ]] || bin=$PWD/$bin
cache=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
trees=$cache/trees
k56=6.1.0-56-amd64
k56cloud=6.1.0-56-cloud-amd64
k47=6.1.0-47-amd64

need() {
  local p
  for p; do [[ -e $p ]] || { echo "SKIP: $p is missing (scripts/fetch-testdata.sh)"; exit 77; }; done
}
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

need "$trees/$k56/.complete" "$trees/$k56cloud/.complete" "$trees/$k47/.complete"
tmp=$(mktemp -d "$cache/integrations-XXXXXX")
trap '[[ -n ${KEEP_TMP:-} ]] || rm -rf "$tmp"' EXIT

# make_root DIR ok|fail|warn [KVER]: a real root of kernel KVER (default 6.1.0-56-amd64) with
# its Module.symvers and one module, dummy.ko, indexed by the real depmod:
#   ok    dummy from the kernel's own package: loads, no finding above a note;
#   fail  + the -cloud flavour's dummy in weak-updates/vendor, winning through an override: the
#         kernel refuses it at module_layout (OFS201, error);
#   warn  the ok root without modules.order (OFS108, warning).
make_root() {
  local r=$1 kind=$2 k=${3:-$k56}
  local md=$r/lib/modules/$k hdr=/usr/src/linux-headers-$k
  mkdir -p "$md/kernel" "$r$hdr" "$r/etc/depmod.d"
  cp "$trees/$k$hdr/Module.symvers" "$r$hdr/"
  cp "$trees/$k/lib/modules/$k/kernel/drivers/net/dummy.ko" "$md/kernel/"
  cp "$trees/$k/lib/modules/$k/"modules.builtin* "$md/"
  [[ $kind == warn ]] || echo kernel/dummy.ko >"$md/modules.order"
  if [[ $kind == fail ]]; then
    mkdir -p "$md/weak-updates/vendor"
    cp "$trees/$k56cloud/lib/modules/$k56cloud/kernel/drivers/net/dummy.ko" "$md/weak-updates/vendor/"
    echo 'search updates extra built-in weak-updates' >"$r/etc/depmod.d/dist.conf"
    echo 'override dummy * weak-updates/vendor' >"$r/etc/depmod.d/zz01-vendor-dummy.conf"
  fi
  depmod -b "$r" -C "$r/etc/depmod.d" "$k" 2>/dev/null
}

# ofsck ARGS...: the real binary with a private cache.
ofsck() { "$bin" "$@" -q --cache-dir "$tmp/cache"; }
