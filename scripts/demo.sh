#!/usr/bin/env bash
# `make demo`: runs `ofsck check` on the live module tree, or — where there is none, as on a
# build machine or container — on a demo root assembled from a real Debian kernel package:
#   * linux-image-6.1.0-56-amd64 (+ its headers for Module.symvers), as installed;
#   * a "vendor" ib_core.ko in updates/ that was built for another ABI (6.1.0-47), which
#     shadows the in-tree ib_core, as an out-of-date OFED package would;
#   * an /etc/depmod.d override that names weak-updates/ while the vendor file sits in updates/.
# Exits 0 once the check ran (findings are the point of the demo).
set -uo pipefail
ofsck=${1:-build/release/ofsck}
live=/lib/modules/$(uname -r)
if [ -d "$live/kernel" ]; then
  echo "== ofsck check (live system, kernel $(uname -r))"
  "$ofsck" check
  rc=$?
else
  cache=${OFSCK_TESTDATA:-$HOME/.cache/ofsck-testdata}
  bash scripts/fetch-testdata.sh k61new k61old
  new=6.1.0-56-amd64 old=6.1.0-47-amd64
  root=${OFSCK_DEMO_ROOT:-$cache/demo-root}
  if [ ! -f "$root/.complete" ]; then
    rm -rf "$root"; mkdir -p "$root"
    # Hard links keep the demo root cheap; the cache is never modified through them.
    cp -al "$cache/trees/$new/." "$root/"
    mkdir -p "$root/lib/modules/$new/updates" "$root/etc/depmod.d"
    cp "$cache/trees/$old/lib/modules/$old/kernel/drivers/infiniband/core/ib_core.ko" \
       "$root/lib/modules/$new/updates/ib_core.ko"
    printf '# vendor stack: use our InfiniBand core\noverride ib_core * weak-updates/vendor-ofed\n' \
       > "$root/etc/depmod.d/zz01-vendor-ib_core.conf"
    touch "$root/.complete"
  fi
  echo "== ofsck check --root $root --only ib_core mlx5_ib rdma_ucm ib_ipoib"
  echo "   (a Debian 6.1.0-56 tree with a vendor ib_core built for 6.1.0-47 in updates/)"
  "$ofsck" check --root "$root" --only ib_core mlx5_ib rdma_ucm ib_ipoib
  rc=$?
fi
echo "== ofsck exited $rc (0: no errors, 1: error findings, 2: usage, 3: unreadable input)"
[ "$rc" -le 1 ]
