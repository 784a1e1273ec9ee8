#!/usr/bin/env bash
# The cluster flow of the README, run as written over 40 local "nodes": ClusterShell's own
# clush (Debian's clustershell) reaches each node through an ssh stand-in that runs the command
# with that node's root, so `clush -bw node[01-40] ofsck snapshot --summary` and
# `clush -w node[01-40] -N ofsck snapshot -o - | ofsck fleet -` are the exact commands an admin
# types. The nodes are hard-linked copies of one real root (Debian's 6.1.0-56 modules and
# Module.symvers, indexed by the real depmod), with real differences:
#   node[05-07]  a vendor package, installed with the real dpkg, ships its own dummy.ko in
#                updates/ (the -cloud flavour's build: another ABI, so it fails to load);
#   node[11-12]  another `options dummy numdummies=` line (the ko2iblnd peer_credits case);
#   node20       a stale index: ifb.ko copied in after depmod ran;
#   node30       another kernel (6.1.0-47).
# fleet must find exactly those five groups, as ClusterShell folds them, and that drift.
source "$(dirname "$0")/lib.sh"
command -v clush >/dev/null && command -v dpkg-deb >/dev/null ||
  { echo "SKIP: clush or dpkg-deb missing (scripts/install-deps.sh test)"; exit 77; }
need "$trees/$k47/.complete"

fleet=$tmp/fleet
mkdir -p "$fleet"

# base ROOT KVER: the ok root of lib.sh, one options line, an empty dpkg database.
base() {
  make_root "$1" ok "$2"
  mkdir -p "$1/etc/modprobe.d" "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
  echo 'options dummy numdummies=1' >"$1/etc/modprobe.d/dummy.conf"
  : >"$1/var/lib/dpkg/status"
}
base "$tmp/base" "$k56"
base "$tmp/base47" "$k47"
for n in $(nodeset -e 'node[01-40]'); do
  if [[ $n == node30 ]]; then cp -al "$tmp/base47" "$fleet/$n"; else cp -al "$tmp/base" "$fleet/$n"; fi
done

# Every change replaces a file (rm, then write): the nodes share inodes with the base.
replace() { rm -f "$1"; cat >"$1"; }
vendor=$tmp/vendor
mkdir -p "$vendor/DEBIAN" "$vendor/lib/modules/$k56/updates"
cp "$trees/$k56cloud/lib/modules/$k56cloud/kernel/drivers/net/dummy.ko" "$vendor/lib/modules/$k56/updates/"
printf 'Package: acme-dummy-dkms\nVersion: 2.1-1\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: vendor dummy\n' \
  >"$vendor/DEBIAN/control"
dpkg-deb --root-owner-group -b "$vendor" "$tmp/acme.deb" >/dev/null
for n in node05 node06 node07; do
  r=$fleet/$n
  rm -rf "$r/var/lib/dpkg" && cp -r "$tmp/base/var/lib/dpkg" "$r/var/lib/dpkg"
  dpkg --root="$r" --force-script-chrootless -i "$tmp/acme.deb" >/dev/null 2>&1 ||
    fail "dpkg -i into $n"
  rm -f "$r/lib/modules/$k56/modules."* && cp "$trees/$k56/lib/modules/$k56/"modules.builtin* "$r/lib/modules/$k56/"
  echo kernel/dummy.ko >"$r/lib/modules/$k56/modules.order"
  depmod -b "$r" -C "$r/etc/depmod.d" "$k56" 2>/dev/null
done
for n in node11 node12; do
  echo 'options dummy numdummies=4' | replace "$fleet/$n/etc/modprobe.d/dummy.conf"
done
cp "$trees/$k56/lib/modules/$k56/kernel/drivers/net/ifb.ko" "$fleet/node20/lib/modules/$k56/kernel/"

# The ssh stand-in: `ssh [-oX]... [-l user] NODE COMMAND`, with `ofsck` on the PATH meaning
# this node's root. clush finds it through its own configuration file.
mkdir -p "$tmp/bin" "$tmp/cfg"
cat >"$tmp/bin/fake-ssh" <<EOF
#!/usr/bin/env bash
while [[ \$1 == -* ]]; do [[ \$1 == -l ]] && shift; shift; done
node=\$1; shift
export FLEET_NODE=\$node PATH="$tmp/bin/node:\$PATH"
exec bash -c "\$*"
EOF
mkdir -p "$tmp/bin/node"
cat >"$tmp/bin/node/ofsck" <<EOF
#!/usr/bin/env bash
sub=\$1; shift
exec "$bin" "\$sub" --root "$fleet/\$FLEET_NODE" --node "\$FLEET_NODE" --cache-dir "$tmp/cache-\$FLEET_NODE" "\$@"
EOF
chmod +x "$tmp/bin/fake-ssh" "$tmp/bin/node/ofsck"
printf '[Main]\nfanout: 8\nssh_path: %s\n' "$tmp/bin/fake-ssh" >"$tmp/cfg/clush.conf"
export CLUSTERSHELL_CFGDIR=$tmp/cfg

# 1. One line per node; clush -b folds identical lines into node sets.
out=$(clush -bw 'node[01-40]' ofsck snapshot --summary 2>&1) || true
echo "$out"
headers=$(grep -E '^node' <<<"$out" | sort)
expected=$(printf '%s\n' 'node[01-04,08-10,13-19,21-29,31-40] (33)' 'node[05-07] (3)' \
  'node[11-12] (2)' 'node20' 'node30' | sort)
[[ $headers == "$expected" ]] || fail "clush -b groups: got
$headers"
grep -q '^FAIL kernel=6.1.0-56-amd64 .* first=dummy:OFS201' <<<"$out" || fail "vendor group line"
grep -q '^ok kernel=6.1.0-47-amd64 ' <<<"$out" || fail "node30 line"
pass "clush -b folds 40 summaries into the 5 expected groups"

# 2. Every snapshot in one stream, folded and compared by ofsck fleet.
json=$(clush -w 'node[01-40]' -N ofsck snapshot -o - 2>/dev/null | "$bin" fleet --format json -) &&
  fail "fleet exits 0 despite drift"
python3 - "$json" <<'EOF' || fail "fleet JSON"
import json, sys
d = json.loads(sys.argv[1])
assert d["nodes"] == 40, d["nodes"]
groups = {g["nodes"]: g for g in d["groups"]}
want = {"node[01-04,08-10,13-19,21-29,31-40]": 33, "node[05-07]": 3, "node[11-12]": 2,
        "node20": 1, "node30": 1}
assert {k: g["count"] for k, g in groups.items()} == want, groups.keys()
assert d["groups"][0]["nodes"] == "node[01-04,08-10,13-19,21-29,31-40]"
assert groups["node[05-07]"]["failing"] > 0 and groups["node30"]["kernel"] == "6.1.0-47-amd64"
kinds = {(x["kind"], x.get("module")) for x in d["drift"]}
opt = [x for x in d["drift"] if x["kind"] == "option" and x.get("module") == "dummy"]
assert opt, kinds
vals = {v["value"]: v["nodes"] for v in opt[0]["variants"]}
assert vals.get("numdummies=4") == "node[11-12]", vals
assert any(k == "kernel" for k, _ in kinds), kinds
assert any(k in ("module", "package") for k, _ in kinds), kinds
assert any(k == "finding" for k, _ in kinds), kinds
EOF
pass "fleet: 5 groups with ClusterShell's node sets; option, kernel, vendor and finding drift"
