#!/bin/bash
#
# tests/integration/pg_standby_loss.sh - chabard on the PostgreSQL backend
# when no standby is left (issue 19). The primary then commits locally and
# waits, for ever, for a standby to confirm; chabard must never answer
# 200 for such a commit:
#   - a commit whose wait is cancelled on the primary (the WARNING
#     "canceling wait for synchronous replication", the row committed
#     there alone) is answered 503;
#   - a commit no standby confirms within [store] timeout_ms is answered
#     503 within that time, the connection dropped: Kannel's retry of the
#     message above too, which the primary holds alone (a repeat writes
#     nothing, yet its commit must wait for a standby to have the first);
#   - while the primary reports no standby, the next message fails at
#     once (503) instead of waiting again;
#   - /health says degraded, standbys 0;
#   - a primary set to wait for no standby at all: 503 too ([store]
#     standby = required), until it waits for one again;
#   - once a standby is back, Kannel's retry of each of those messages
#     (the same id) is answered 200, and each is stored once: the two
#     commits the primary kept alone are found as repeats.
# MOs go straight to /kannel/mo as smsbox sends them. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/pg.sh
. "$here/../lib/pg.sh" || { echo "Bail out! cannot read pg.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
TIMEOUT_MS=2000

stack_test_begin pg-standby-loss
stack_test_cleanup() { pg_stop_all; }
sql() { stack_sql "$@"; }

# mo ID [CURL-ARG...]: an MO "HELP" with network id ID; prints "STATUS SECONDS".
mo() {
    local id=$1
    shift
    stack_curl -o "$T/body-$id" -w '%{http_code} %{time_total}' "$@" \
        "http://127.0.0.1:$CHABAR_PORT/kannel/mo?key=$CHABAR_KEY&from=%2B996555000001&to=384&id=$id&text=HELP"
}
health() { stack_curl "http://127.0.0.1:$CHABAR_PORT/health"; }
# _waiting_for_standby: the primary has a backend waiting for a standby.
_waiting_for_standby() {
    [ "$(pg_sql p "select count(*) from pg_stat_activity where wait_event = 'SyncRep'")" -gt 0 ]
}

tap_plan 14

missing="$(stack_missing "$CHABARD")$(pg_missing)"
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
pg_start && pg_database chabar || bail "three PostgreSQL clusters start"
export CHABAR_STORE_TIMEOUT_MS=$TIMEOUT_MS
write_chabar_conf "$T/chabar.conf" && start_chabard "$T/chabar.conf" || bail "chabard starts"
is "$(mo before | cut -d' ' -f1)" 200 "with two standbys, an MO is answered 200"

for node in s1 s2; do
    _pg "$PG_BIN/pg_ctl" -D "$PG_DIR/$node" -m immediate -w stop >/dev/null || bail "$node stopped"
done
_stack_wait 10 "" "no standby streaming" pg_streams p 0 || bail "the primary lost its standbys"

# 1. the wait cancelled on the primary: committed there alone, a WARNING
mo cancelled >"$T/cancelled" &
curl_pid=$!
_stack_wait 10 "" "a commit waiting for a standby" _waiting_for_standby ||
    bail "chabard's commit waits for a standby"
pg_sql p "select pg_cancel_backend(pid) from pg_stat_activity where wait_event = 'SyncRep'" >/dev/null
wait "$curl_pid"
is "$(cut -d' ' -f1 "$T/cancelled")" 503 "a commit whose wait was cancelled (a WARNING) is answered 503"
like "$(cat "$T/chabard.out")" 'the server warned: canceling wait for synchronous replication' \
    "and the log says why"

# 2. no standby confirms: 503 within the timeout, the connection dropped;
# Kannel's retry of the cancelled one, found on the primary, waits too
read -r status seconds < <(mo cancelled)
is "$status" 503 "its retry, a repeat no standby has, is answered 503, not from the store"
awk -v s="$seconds" -v t="$TIMEOUT_MS" 'BEGIN { exit !(s >= t / 1000 && s < t / 1000 + 1) }'
ok $? "after the timeout of $TIMEOUT_MS ms ($seconds s)"

# 3. the primary still has none: the next fails at once
read -r status seconds < <(mo at-once)
is "$status" 503 "while the primary has no standby, an MO is answered 503"
awk -v s="$seconds" 'BEGIN { exit !(s < 0.5) }'
ok $? "at once ($seconds s)"
like "$(health)" '"status":"degraded".*"store":"postgresql","standbys":0' \
    "/health: degraded, no standby"

# a standby returns: Kannel's retries are answered, each stored once
_pg_start_one s1 || bail "s1 started again"
_stack_wait 30 "" "s1 streaming" pg_streams p 1 || bail "s1 streams again"
retried=""
for id in cancelled at-once; do
    retried+="$(mo "$id" | cut -d' ' -f1) "
done
is "$retried" "200 200 " "once a standby is back, the retries (the same ids) are answered 200"
is "$(sql "select count(*), count(distinct network_id) from messages where direction = 'in'")" \
    "3|3" "each MO stored once"
# the commit left on the primary alone was kept: its retry is a repeat,
# answered from the store
like "$(stack_curl "http://127.0.0.1:$CHABAR_PORT/metrics")" $'\nchabar_inbound_repeats_total 1\n' \
    "the commit the primary kept alone is found as a repeat"
like "$(health)" '"status":"ok".*"standbys":1' "/health: ok, one standby"

# the primary told to wait for no standby: nothing is answered 200
reload_standby_names() {
    pg_sql p "alter system set synchronous_standby_names = '$1'" >/dev/null &&
        pg_sql p "select pg_reload_conf()" >/dev/null
}
reload_standby_names "" || bail "the primary made to wait for no standby"
is "$(mo unreplicated | cut -d' ' -f1)" 503 \
    "a primary that waits for no standby: 503 ([store] standby = required)"
reload_standby_names "ANY 1 (s1, s2)" || bail "the primary made to wait for one again"
is "$(mo unreplicated | cut -d' ' -f1)" 200 "once it waits for one again: 200"
