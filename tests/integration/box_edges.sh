#!/bin/bash
#
# tests/integration/box_edges.sh - what a real bearerbox does too rarely
# to test on cue, played by tests/lib/fakebb.js (a bearerbox that speaks
# the box protocol and misbehaves when told):
#   - a reply answered failed_tmp (bearerbox's queue full, or stopping) is
#     written again, the same MT, a second later; once taken, no more;
#   - a reply refused for good (failed: no route) is logged, not resent;
#   - an outbox MT (an officer's alert, [sendsms] via = box) in flight when
#     the connection drops: chabard connects again, and a report that
#     arrives within the grace proves bearerbox has it: it is not sent
#     again;
#   - a row whose MT bearerbox answers failed_tmp is tried again.
# TAP output; every process stopped by PID.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin box-edges fakebb.out
tap_plan 10

missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
command -v "$NODE" >/dev/null || bail "node present (the fake bearerbox)"
stack_defaults || bail "ports and secrets"
BB_PORT=$KANNEL_SMSBOX_PORT
mkfifo "$T/fakebb.in" && exec {BB_FD}<>"$T/fakebb.in" || bail "the fake bearerbox's FIFO"
_stack_launch fakebb TERM "$T/fakebb.in" "$T/fakebb.out" "$NODE" "$here/../lib/fakebb.js" "$BB_PORT"
_stack_wait 10 "$STACK_LAST_PID" "the fake bearerbox" grep -q '"event":"listening"' "$T/fakebb.out" ||
    bail "the fake bearerbox listens"

# events EVENT: its lines so far; count EVENT; bb COMMAND: one command,
# carried out; wait_event N EVENT [PATTERN]: until the N-th such line
# (matching PATTERN) is there, which it prints.
events() { grep -a "^{\"event\":\"$1\"" "$T/fakebb.out"; }
count() { events "$1" | grep -ac -- "${2:-.}"; }
bb() {
    local n
    n=$(count done)
    printf '%s\n' "$1" >&"$BB_FD"
    _stack_wait 10 "" "the fake bearerbox: $1" eval '[ "$(count done)" -gt '"$n"' ]'
}
has() { [ "$(count "$2" "${3:-.}")" -ge "$1" ]; }
wait_event() {
    _stack_wait "${4:-10}" "" "event $2 #$1" has "$1" "$2" "${3:-.}" &&
        events "$2" | grep -a -- "${3:-.}" | sed -n "${1}p"
}
field() { sed -n "s/.*\"$2\":\\(\"[^\"]*\"\\|[-0-9]*\\).*/\\1/p" <<<"$1" | tr -d '"'; }

CHABAR_CONF_EXTRA=$(printf '[box]\nbearerbox = 127.0.0.1:%s\n\n[sendsms]\nvia = box\nfrom = 384\n' "$BB_PORT")
write_chabar_conf "$T/chabar.conf" || bail "chabar.conf"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null; }
ctl district add BSK "Bishkek" en Asia/Bishkek >/dev/null &&
    ctl officer add +996555900001 "Bakyt Osmonov" BSK en >/dev/null &&
    ctl person add +996555100001 "Aibek Testov" en 4321 BSK +996555900001 >/dev/null &&
    ctl person add +996555100002 "Bolot Testov" en 4321 BSK +996555900001 >/dev/null ||
    bail "a person enrolled with an officer"
start_chabard "$T/chabar.conf" && wait_event 1 identify >/dev/null ||
    bail "chabard connects to the fake bearerbox"
ok 0 "chabard connects to the fake bearerbox and identifies"

# --- a reply bearerbox cannot take for now -------------------------------------------
bb "mo +996555000001 384 HELP"
first=$(wait_event 1 mt '"sms_type":1') || bail "the reply"
bb "ack 1 2" # failed_tmp
again=$(wait_event 2 mt '"sms_type":1' 5) || bail "the reply again"
is "$(field "$again" id) $(field "$again" text)" "$(field "$first" id) $(field "$first" text)" \
    "failed_tmp: the same reply (the same UUID) written again"
bb "ack 2 0"
sleep 2 # nothing more is to come: time for a third copy to show
is "$(count mt '"sms_type":1')" 2 "once taken, not again"

# --- a reply refused for good ----------------------------------------------------------
bb "mo +996555000002 384 HELP"
wait_event 3 mt '"sms_type":1' >/dev/null || bail "the second reply"
bb "ack 3 1" # failed
_stack_wait 5 "" "the log line" grep -q 'level=error event=box_reply_refused' "$T/chabard.out"
ok $? "failed: the refusal is logged at error"
sleep 2
is "$(count mt '"sms_type":1')" 3 "and the reply is not written again"

# --- an outbox MT in flight when the connection drops -------------------------------------
n=$(count mt)
for text in CHECKIN 1111 2222 3333; do bb "mo +996555100001 384 $text"; done
alert=$(wait_event 1 mt '"sms_type":2' 10) || bail "the officer's alert, pushed"
like "$(field "$alert" to) $(field "$alert" dlr_mask) $(field "$alert" dlr_url)" \
    '^\+?996555900001 31 id=[0-9]+&mark=[0-9a-f]{32}$' \
    "three wrong PINs: the alert is pushed through the box, with chabar's own keyed dlr_url"
alert_n=$(field "$alert" n)
bb "close" # before bearerbox answers for it
wait_event 2 identify >/dev/null || bail "chabard connects again"
row() { stack_sql "select status || '|' || coalesce(last_error, '') from outbox where kind = 'alert'"; }
like "$(row)" '^queued\|the connection to bearerbox went before its answer' \
    "the connection dropped before bearerbox's answer: the row waits, saying why"
bb "report $alert_n 1" # delivered, within the grace
_stack_wait 10 "" "the report" eval '[ "$(stack_sql "select status from outbox where kind = '"'alert'"'")" = delivered ]'
sleep 22 # past the grace (20 s) in which an unanswered MT is not sent again
is "$(row | cut -d'|' -f1) $(count mt '"sms_type":2')" "delivered 1" \
    "a report within the grace proves bearerbox has it: delivered, never sent twice"

# --- an outbox MT bearerbox cannot take for now ---------------------------------------------
for text in CHECKIN 1111 2222 3333; do bb "mo +996555100002 384 $text"; done
alert=$(wait_event 2 mt '"sms_type":2' 10) || bail "the second alert, pushed"
bb "ack $(field "$alert" n) 2" # failed_tmp
again=$(wait_event 3 mt '"sms_type":2' 15) || bail "the second alert again"
is "$(field "$again" text)" "$(field "$alert" text)" "failed_tmp on an outbox MT: tried again after the backoff"
bb "ack $(field "$again" n) 0"
accepted() { [ "$(stack_sql "select status from outbox where kind = 'alert' order by id desc limit 1")" = accepted ]; }
_stack_wait 10 "" "the second alert accepted" accepted
is "$(stack_sql "select status || ' ' || attempts from outbox where kind = 'alert' order by id desc limit 1")" \
    "accepted 2" "then taken: accepted at the second attempt"

tap_done
