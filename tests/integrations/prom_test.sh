#!/usr/bin/env bash
# `ofsck check --format prom -o DIR/ofsck.prom` as node_exporter's textfile collector reads it:
# the real binary on real roots, the output linted by promtool (Debian's prometheus package,
# scripts/fetch-testdata.sh promtool), written atomically (no partial or temporary file left
# where the collector looks), values that say what the check found.
source "$(dirname "$0")/lib.sh"
promtool=$cache/tools/prometheus/usr/bin/promtool
need "$promtool"
dir=$tmp/textfile
mkdir -p "$dir"

lint() {  # lint FILE: promtool check metrics, nothing to say
  local out
  out=$("$promtool" check metrics <"$1" 2>&1) || fail "promtool check metrics $1: $out"
  [[ -z $out ]] || fail "promtool check metrics $1: $out"
}
has() {  # has FILE LINE
  grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"
}

# A failing root; its path holds a double quote and a backslash (label escaping).
root=$tmp/'we"ird\root'
make_root "$root" fail
rc=0; ofsck check --root "$root" --format prom -o "$dir/ofsck.prom" >"$tmp/stdout" || rc=$?
[[ $rc == 1 ]] || fail "check of the failing root exited $rc"
[[ ! -s $tmp/stdout ]] || fail "-o FILE: the report went to stdout too"
[[ $(ls -A "$dir") == ofsck.prom ]] || fail "left in the textfile directory: $(ls -A "$dir")"
lint "$dir/ofsck.prom"
f=$dir/ofsck.prom
has "$f" 'ofsck_check_ok 0'
has "$f" 'ofsck_modules{state="fails"} 1'
has "$f" 'ofsck_modules{state="loads"} 0'
has "$f" 'ofsck_findings{rule="OFS201",severity="error"} 1'
has "$f" 'ofsck_findings{rule="OFS203",severity="error"} 0'
has "$f" 'ofsck_findings_suppressed{by="ignore"} 0'
# escape(): `\` -> `\\`; the exposition format then escapes `\` and `"` once more.
has "$f" "ofsck_check_info{kernel=\"$k56\",root=\"${tmp}/we\\\"ird\\\\\\\\root\",version=\"$("$bin" --version | head -1 | cut -d' ' -f2)\"} 1"
grep -q '^ofsck_last_check_timestamp_seconds [0-9]*\.[0-9]*$' "$f" || fail "no timestamp"
grep -q '^ofsck_check_duration_seconds [0-9]*\.[0-9]*$' "$f" || fail "no duration"
ts=$(sed -n 's/^ofsck_last_check_timestamp_seconds //p' "$f")
now=$(date +%s)
(( ${ts%.*} <= now && ${ts%.*} > now - 600 )) || fail "timestamp $ts is not now ($now)"
grep -n 'host\|instance\|symbol' "$f" && fail "a host or per-symbol label"
pass "failing root: promtool-clean, values, escaping"

# The same file rewritten by a passing check (rename over it: same name, new content), with a
# finding suppressed.
make_root "$tmp/ok" warn
inode=$(stat -c %i "$f")
ofsck check --root "$tmp/ok" --format prom -o "$f" --ignore OFS108 || fail "check of the ok root"
lint "$f"
has "$f" 'ofsck_check_ok 1'
has "$f" 'ofsck_modules{state="loads"} 1'
has "$f" 'ofsck_findings{rule="OFS108",severity="warning"} 0'
has "$f" 'ofsck_findings_suppressed{by="ignore"} 1'
[[ $(stat -c %i "$f") != "$inode" ]] || fail "-o rewrote the file in place (not a rename)"
[[ $(ls -A "$dir") == ofsck.prom ]] || fail "left in the textfile directory: $(ls -A "$dir")"
pass "passing root: rewritten atomically"

# -o with the other formats; an unwritable -o is an error naming the file (exit 3).
ofsck check --root "$tmp/ok" --format json -o "$tmp/out.json" || fail "json -o"
grep -q '"summary"' "$tmp/out.json" || fail "json -o: no summary"
rc=0; ofsck check --root "$tmp/ok" --format prom -o "$tmp/nodir/ofsck.prom" 2>"$tmp/err" || rc=$?
[[ $rc == 3 ]] && grep -q "nodir/ofsck.prom" "$tmp/err" || fail "unwritable -o: rc $rc, $(cat "$tmp/err")"
rc=0; ofsck check --root "$tmp/ok" --all-kernels --format prom 2>/dev/null || rc=$?
[[ $rc == 2 ]] || fail "--all-kernels --format prom: rc $rc"
pass "-o errors and other formats"

# The running system's parameters against the root's configuration (--proc/--sys stand in for
# /proc and /sys, as the root / would read them): dummy runs with numdummies=1, the root's
# modprobe.d says 4.
live=$tmp/live
mkdir -p "$tmp/ok/etc/modprobe.d" "$live/sys/module/dummy/parameters"
echo 'options dummy numdummies=4' >"$tmp/ok/etc/modprobe.d/dummy.conf"
echo 'dummy 16384 0 - Live 0x0000000000000000' >"$live/modules"
echo 1 >"$live/sys/module/dummy/parameters/numdummies"
ofsck check --root "$tmp/ok" --format prom -o "$f" --proc "$live" --sys "$live/sys" ||
  fail "check with --proc"
lint "$f"
has "$f" '# TYPE ofsck_running_param_drift gauge'
has "$f" 'ofsck_running_param_drift 1'
# This machine's own /proc/modules and /sys: a real list, linted; a count, whatever it is. A
# kernel without modules has no /proc/modules: a note, and no series.
if [[ -r /proc/modules ]]; then
  ofsck check --root "$tmp/ok" --format prom -o "$f" --proc /proc --sys /sys || fail "real /proc"
  lint "$f"
  grep -q '^ofsck_running_param_drift [0-9]*$' "$f" || fail "real /proc: no drift count"
else
  ofsck check --root "$tmp/ok" --format prom -o "$f" --proc /proc --sys /sys 2>"$tmp/err" ||
    fail "no /proc/modules"
  lint "$f"
  grep -q 'ofsck_running_param_drift' "$f" && fail "no /proc/modules, yet a drift series"
  grep -q '^ofsck: note: /proc/modules: cannot open' "$tmp/err" || fail "no note: $(cat "$tmp/err")"
fi
ofsck check --root "$tmp/ok" --format prom -o "$f" || fail "not live"
grep -q 'ofsck_running_param_drift' "$f" && fail "a root that is not live has a drift series"
pass "running parameter drift: live roots only, promtool-clean"

# `ofsck fleet --format prom -o DIR/ofsck_fleet.prom` from cron on a management node: the
# snapshots of real roots (two alike, one failing, one with other options), beside ofsck.prom.
snaps=$tmp/snaps
mkdir -p "$snaps"
make_root "$tmp/ok2" ok
cp -al "$tmp/ok2" "$tmp/opt"
mkdir -p "$tmp/opt/etc/modprobe.d" "$tmp/ok2/etc/modprobe.d"
echo 'options dummy numdummies=4' >"$tmp/ok2/etc/modprobe.d/dummy.conf"
echo 'options dummy numdummies=8' >"$tmp/opt/etc/modprobe.d/dummy.conf"
cp -al "$tmp/ok2" "$tmp/ok3"
for n in ok2 ok3 opt; do
  ofsck snapshot --root "$tmp/$n" --node "cn-$n" -o "$snaps/$n.json" || fail "snapshot $n"
done
rc=0; ofsck snapshot --root "$root" --node cn-fail -o "$snaps/fail.json" || rc=$?
[[ $rc == 1 ]] || fail "snapshot of the failing root exited $rc"
rc=0; "$bin" fleet --format prom -o "$dir/ofsck_fleet.prom" "$snaps" >"$tmp/stdout" || rc=$?
[[ $rc == 1 ]] || fail "fleet with drift exited $rc"
[[ ! -s $tmp/stdout ]] || fail "fleet -o: the report went to stdout too"
[[ $(ls -A "$dir") == $'ofsck.prom\nofsck_fleet.prom' ]] || fail "left: $(ls -A "$dir")"
g=$dir/ofsck_fleet.prom
lint "$g"
# node_exporter reads every file of the directory as one: no family in both.
cat "$f" "$g" >"$tmp/both.prom"
lint "$tmp/both.prom"
has "$g" 'ofsck_fleet_ok 0'
has "$g" 'ofsck_fleet_nodes 4'
has "$g" 'ofsck_fleet_groups 3'
has "$g" 'ofsck_fleet_outlier_nodes 2'
has "$g" 'ofsck_fleet_error_nodes 1'
has "$g" 'ofsck_fleet_drift{kind="option"} 1'
has "$g" 'ofsck_fleet_drift{kind="kernel"} 0'
grep -q 'ofsck_fleet_drift{kind="finding"} [1-9]' "$g" || fail "no finding drift"
grep -n 'cn-\|node=\|host\|instance' "$g" && fail "a node name or host label"
rc=0; "$bin" fleet --format prom -o "$g" "$snaps/ok2.json" "$snaps/ok3.json" || rc=$?
[[ $rc == 0 ]] && lint "$g" && has "$g" 'ofsck_fleet_ok 1' || fail "clean fleet: rc $rc"
pass "fleet: promtool-clean beside ofsck.prom, values, no node label"
