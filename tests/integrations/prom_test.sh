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
