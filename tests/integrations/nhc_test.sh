#!/usr/bin/env bash
# packaging/nhc/ofsck.nhc against NHC's contract (github.com/mej/nhc: the nhc script's die(),
# nhc_load_conf() and nhcmain_run_checks()): the file is sourced, die() records its message and
# hands it to the resource manager's offline command the way NHC does (eval ... "'$*'"), then
# exits; each check runs as the line `* || check_ofsck ...` of an nhc.conf, in the shell that
# sourced the scripts. The state files come from the real ofsck on real roots.
source "$(dirname "$0")/lib.sh"
nhc=$src/packaging/nhc/ofsck.nhc

for kind in ok fail warn; do
  make_root "$tmp/$kind" "$kind"
  rc=0; ofsck check --root "$tmp/$kind" --state-file >/dev/null || rc=$?
  want=0; [[ $kind == fail ]] && want=1
  [[ $rc == "$want" ]] || fail "ofsck check on the $kind root exited $rc"
  [[ -f $tmp/$kind/var/lib/ofsck/state/$k56 ]] || fail "no state file for the $kind root"
done

# --state-file is the whole check of one kernel; an unwritable PATH is an error naming it.
rc=0; ofsck check --root "$tmp/ok" --state-file --only dummy 2>/dev/null || rc=$?
[[ $rc == 2 ]] || fail "--state-file --only: exit $rc, want 2"
rc=0; ofsck check --root "$tmp/ok" --state-file="$tmp/nodir/state" >/dev/null 2>"$tmp/err" || rc=$?
[[ $rc == 3 ]] && grep -q "nodir/state" "$tmp/err" || fail "unwritable --state-file: exit $rc"
ofsck check --root "$tmp/ok" --state-file="$tmp/explicit" >/dev/null || fail "--state-file=PATH"
grep -qx "verdict ok" "$tmp/explicit" || fail "--state-file=PATH: $(cat "$tmp/explicit")"

# nhc_run CONF_LINE [VAR=VALUE...]: runs the check of one nhc.conf line as NHC does, in a child
# bash; prints "RC|DIE MESSAGE|OFFLINE ARGS".
nhc_run() {
  local line=$1; shift
  printf '%s\n' "$line" >"$tmp/nhc.conf"
  env "$@" bash -c '
    HOSTNAME=cn001 NHC_RM=slurm MARK_OFFLINE=1 FAIL_CNT=0 CHECK_DIED=0 DIED="" OFFLINE=""
    offline() { OFFLINE="$1|$2"; }
    OFFLINE_NODE=offline
    function die() {  # NHC: die RET MESSAGE...
      IFS=$'"'"' \t\n'"'"'
      local RET="$1"; shift
      CHECK_DIED=1
      DIED="$*"
      if [[ -n "$NHC_RM" && "$MARK_OFFLINE" -eq 1 && "$FAIL_CNT" -eq 0 ]]; then
        eval $OFFLINE_NODE "'"'"'$HOSTNAME'"'"'" "'"'"'$*'"'"'"
      fi
      echo "$RET|$DIED|$OFFLINE"
      exit $RET
    }
    source "$0"
    while read LINE; do  # nhc_load_conf: "<hostmask> || <check>"
      CHECK="${LINE#*||}"; CHECK="${CHECK# }"
      eval $CHECK
    done < "$1"
    echo "0||"
  ' "$nhc" "$tmp/nhc.conf" || :
}

expect() {  # expect WHAT GOT WANT-GLOB
  [[ $2 == $3 ]] || fail "$1: got '$2', want '$3'"
  pass "$1"
}

st=$tmp/ok/var/lib/ofsck/state
mods=$tmp/ok/lib/modules
env_ok=(OFSCK_STATE_DIR="$st" OFSCK_MODULES_DIR="$mods" OFSCK_KERNEL="$k56")
expect "ok root" "$(nhc_run '* || check_ofsck' "${env_ok[@]}")" "0||"

env_fail=(OFSCK_STATE_DIR="$tmp/fail/var/lib/ofsck/state" OFSCK_MODULES_DIR="$tmp/fail/lib/modules"
  OFSCK_KERNEL="$k56")
got=$(nhc_run '* || check_ofsck' "${env_fail[@]}")
expect "failing root" "$got" \
  "1|ofsck: dummy: OFS201 dummy was built for another flavour of this release ($k56cloud): module_layout CRC 0x* (ENOEXEC)|cn001|ofsck: dummy: OFS201 *"

env_warn=(OFSCK_STATE_DIR="$tmp/warn/var/lib/ofsck/state" OFSCK_MODULES_DIR="$tmp/warn/lib/modules"
  OFSCK_KERNEL="$k56")
expect "warnings pass by default" "$(nhc_run '* || check_ofsck' "${env_warn[@]}")" "0||"
expect "--fail-on warning" "$(nhc_run '* || check_ofsck --fail-on warning' "${env_warn[@]}")" \
  "1|ofsck: OFS108 modules.order cannot be read *|cn001|ofsck: OFS108 *"

# Stale: the module tree was re-indexed after the check (depmod writes modules.dep).
touch -d "@$(($(stat -c %Y "$st/$k56") + 5))" "$mods/$k56/modules.dep"
expect "modules.dep newer than the state" "$(nhc_run '* || check_ofsck' "${env_ok[@]}")" \
  "1|ofsck: stale: run ofsck check (*changed after*"
touch -d "@$(($(stat -c %Y "$st/$k56") - 5))" "$mods/$k56/modules.dep"
touch -d "@$(($(stat -c %Y "$st/$k56") + 5))" "$mods/$k56"
expect "module dir newer than the state" "$(nhc_run '* || check_ofsck' "${env_ok[@]}")" \
  "1|ofsck: stale: run ofsck check (*changed after*"
ofsck check --root "$tmp/ok" --state-file >/dev/null
touch -d "@$(($(stat -c %Y "$mods/$k56") + 5))" "$st/$k56"  # clocks: written after the touch
expect "state refreshed by ofsck check" "$(nhc_run '* || check_ofsck' "${env_ok[@]}")" "0||"

# Written for another kernel: the state of 6.1.0-56 read while 6.1.0-47 runs.
expect "state of another kernel" \
  "$(nhc_run "* || check_ofsck --state-file $st/$k56" OFSCK_MODULES_DIR="$mods" OFSCK_KERNEL="$k47")" \
  "1|ofsck: stale: run ofsck check (* is for kernel $k56, running $k47)|*"
expect "no state for the running kernel" \
  "$(nhc_run '* || check_ofsck' OFSCK_STATE_DIR="$st" OFSCK_MODULES_DIR="$mods" OFSCK_KERNEL="$k47")" \
  "1|ofsck: stale: run ofsck check (no state file $st/$k47 for kernel $k47)|*"
printf 'ofsck_state 2\nkernel %s\nverdict ok\n' "$k56" >"$tmp/v2"
expect "another format" \
  "$(nhc_run "* || check_ofsck --state-file=$tmp/v2" "${env_ok[@]}")" \
  "1|ofsck: stale: run ofsck check (* is not an ofsck state file of format 1)|*"
expect "syntax error" "$(nhc_run '* || check_ofsck --fail-on notes' "${env_ok[@]}")" \
  "1|check_ofsck:  Syntax error:  --fail-on error|warning, not \"notes\".|*"

# A reason with a single quote reaches the offline command whole (NHC quotes it in '...').
printf "ofsck_state 1\nkernel %s\nverdict FAIL\nfirst x\nrule OFS202\nreason could not insert 'x': Invalid argument\n" \
  "$k56" >"$tmp/quote"
expect "single quote in the reason" \
  "$(nhc_run "* || check_ofsck --state-file $tmp/quote" "${env_ok[@]}")" \
  '1|ofsck: x: OFS202 could not insert "x": Invalid argument|cn001|ofsck: x: OFS202 could not insert "x": Invalid argument'

# Pure bash: no command substitution, backquote or pipeline in the functions the check runs.
body=$(source "$nhc"; declare -f check_ofsck nhc_ofsck_read_state nhc_ofsck_message)
if grep -nE '\$\(|`| \| ' <<<"$body"; then fail "a subshell or pipeline in the check"; fi
pass "no subshell or pipeline"

# Cost: NHC's watchdog gives every check together 30 s.
t0=$EPOCHREALTIME
out=$(OFSCK_STATE_DIR="$st" OFSCK_MODULES_DIR="$mods" OFSCK_KERNEL="$k56" bash -c '
  die() { echo "died: $*"; exit 1; }
  source "$0"
  for ((i = 0; i < 1000; i++)); do check_ofsck; done' "$nhc")
t1=$EPOCHREALTIME
[[ -z $out ]] || fail "timing loop: $out"
ms=$(((${t1/./} - ${t0/./}) / 1000))
echo "check_ofsck: 1000 runs in ${ms} ms"
((ms < 5000)) || fail "check_ofsck costs more than 5 ms a run"
pass "cost"
