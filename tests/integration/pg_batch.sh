#!/bin/bash
#
# tests/integration/pg_batch.sh - group commit on the PostgreSQL backend
# (issue 19): what batch.h promises, with a real primary and standbys.
#   - messages sent together share one commit, a sender's several ones
#     too, each stored once;
#   - a message that fails (a trigger of the test's refuses its insert)
#     makes its whole batch fail once, as no savepoint of its own was
#     paid for; sent again, the others are stored and it alone fails;
#   - two batches are in flight at once, on two connections, both waiting
#     for a standby; a third message from a sender already in flight does
#     not begin, and is answered after the first, once a standby is back;
#   - the ledger stays one chain: a check-in while another waits for a
#     standby waits for it (a batch that added to the ledger is alone in
#     flight), and is chained after it.
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

stack_test_begin pg-batch
stack_test_cleanup() { pg_stop_all; }
sql() { stack_sql "$@"; }
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@"; }

stored() {
    sql "select count(*) from messages where direction = 'in' and network_id like '$1'"
}
# _gauge NAME VALUE: chabard's /metrics says so.
_gauge() {
    [ "$(stack_curl "$BASE/metrics" | awk -v n="$1" '$1 == n { print $2 }')" = "$2" ]
}
# _waiting_for_standby N: N backends of the primary wait for a standby.
_waiting_for_standby() {
    [ "$(pg_sql p "select count(*) from pg_stat_activity where wait_event = 'SyncRep'")" = "$1" ]
}

tap_plan 19

missing="$(stack_missing "$CHABARD")$(pg_missing)"
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
pg_start && pg_database chabar || bail "three PostgreSQL clusters start"
# A message waits up to 400 ms for others (while a connection is idle),
# so that requests sent together share a commit however the machine
# schedules them; a batch may take 10 s, for the standbys to come back.
export CHABAR_STORE_TIMEOUT_MS=10000 CHABAR_CONF_EXTRA
CHABAR_CONF_EXTRA=$(printf '[chabard]\nbatch_wait_ms = 400\n[store]\nconnections = 2\n')
write_chabar_conf "$T/chabar.conf" && start_chabard "$T/chabar.conf" || bail "chabard starts"
BASE="http://127.0.0.1:$CHABAR_PORT"
exec {IDLE}<>"/dev/tcp/127.0.0.1/$CHABAR_PORT" || bail "an idle connection opens"

# --- together: one commit, a sender's several messages too ----------------
before=$(stack_commits)
is "$(stack_together 1001:101:HELP 1002:102:HELP 1001:103:HELP 1001:104:HELP)" \
    "$(printf '%s 200\n' 101 102 103 104)" \
    "four messages sent together, three of them from one sender: each answered 200"
is "$(($(stack_commits) - before))" 1 "in one commit"
is "$(sql "select count(*), count(distinct m.network_id), count(r.id) from messages m
           left join messages r on r.in_reply_to = m.id
           where m.direction = 'in' and m.network_id like '10_'")" "4|4|4" \
    "each stored once, with its reply"

# --- a failure: the batch once, then the message alone ---------------------
sql "CREATE FUNCTION fail_one() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN RAISE EXCEPTION 'a fault made by the test'; END \$\$;
     CREATE TRIGGER fail_one BEFORE INSERT ON messages FOR EACH ROW
     WHEN (new.text = 'FAIL-ONE') EXECUTE FUNCTION fail_one()" >/dev/null ||
    bail "the trigger"
is "$(stack_together 2001:201:HELP 2002:202:FAIL-ONE 2003:203:HELP)" \
    "$(printf '201 503\n202 503\n203 503\n')" \
    "a message whose insert fails: its whole batch gets 503 (no savepoint each)"
is "$(stored '20_')" 0 "none of the batch is stored"
is "$(stack_together 2001:201:HELP 2002:202:FAIL-ONE 2003:203:HELP)" \
    "$(printf '201 200\n202 503\n203 200\n')" \
    "sent again (as Kannel retries): a savepoint each, the failing one alone gets 503"
is "$(sql "select string_agg(network_id, ',' order by network_id) from messages
           where direction = 'in' and network_id like '20_'")" "201,203" \
    "the other two are stored, the failing one not at all"
sql "DROP TRIGGER fail_one ON messages" >/dev/null
is "$(stack_together 2002:202:FAIL-ONE)" "202 200" "once the fault is gone, it is stored"

# --- two batches in flight, a sender's next message held ------------------
exec {IDLE}>&- # nothing idle: each message begins its batch at once
for node in s1 s2; do
    _pg "$PG_BIN/pg_ctl" -D "$PG_DIR/$node" -m immediate -w stop >/dev/null || bail "$node stopped"
done
_stack_wait 10 "" "no standby streaming" pg_streams p 0 || bail "the primary lost its standbys"
mo() {
    stack_curl -o /dev/null -w '%{http_code}' \
        "$BASE/kannel/mo?key=$CHABAR_KEY&from=%2B99655500$1&to=384&id=$2&text=HELP&coding=0"
}
mo 3001 301 >"$T/301" &
first=$!
_stack_wait 10 "" "one commit waiting for a standby" _waiting_for_standby 1 ||
    bail "the first batch waits for a standby"
mo 3002 302 >"$T/302" &
second=$!
_stack_wait 10 "" "two commits waiting for a standby" _waiting_for_standby 2
ok $? "a second batch begins on the other connection while the first waits"
mo 3001 303 >"$T/303" &
third=$!
# it came, and waits: its sender's first is in flight
_stack_wait 10 "" "a message waiting for a batch" _gauge chabar_batch_waiting 1
ok $? "a message from a sender in flight waits for a batch (/metrics)"
is "$(_gauge chabar_batch_in_flight 2 && pg_sql p "select count(*) from pg_stat_activity
                                                  where wait_event = 'SyncRep'")" 2 \
    "while the two others are in flight: no third commit"
_pg_start_one s1 || bail "s1 started again"
wait "$first" "$second" "$third"
is "$(cat "$T/301") $(cat "$T/302") $(cat "$T/303")" "200 200 200" \
    "once a standby is back, all three are answered 200"
is "$(sql "select count(*) from messages where direction = 'in' and network_id like '30_'")" 3 \
    "each stored once"
is "$(sql "select (select id from messages where network_id = '303')
               > (select id from messages where network_id = '301')")" 1 \
    "the sender's second after its first"

# --- the ledger stays one chain ---------------------------------------------
ctl district add BSK "Bishkek" en Asia/Bishkek >/dev/null || bail "a district"
for n in 1 2; do
    echo 4321 | ctl person add "+99655540000$n" "Person $n" en - BSK >/dev/null || bail "person $n"
done
# sms FROM ID TEXT: an MO; prints its answer's body
sms() {
    stack_curl "$BASE/kannel/mo" --data-urlencode "key=$CHABAR_KEY" --data-urlencode "from=$1" \
        --data-urlencode "to=384" --data-urlencode "id=$2" --data-urlencode "text=$3"
}
for n in 1 2; do # each is asked where they are
    sms "+99655540000$n" "4$n-1" CHECKIN >/dev/null && sms "+99655540000$n" "4$n-2" 4321 >/dev/null
done
_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/s1" -m immediate -w stop >/dev/null || bail "s1 stopped"
_stack_wait 10 "" "no standby streaming" pg_streams p 0 || bail "the primary lost its standby"
sms +996555400001 41-3 1 >"$T/first" &
first=$!
_stack_wait 10 "" "the first check-in waiting for a standby" _waiting_for_standby 1 ||
    bail "the first check-in waits for a standby"
sms +996555400002 42-3 1 >"$T/second" &
second=$!
# it came, and waits: a batch that added to the ledger is alone in flight
_stack_wait 10 "" "the second check-in waiting for a batch" _gauge chabar_batch_waiting 1
ok $? "a second check-in while the first waits for a standby: it waits for a batch"
_pg_start_one s1 || bail "s1 started again"
wait "$first" "$second"
like "$(cat "$T/first")" "Check-in recorded" "once a standby is back, the first is recorded"
like "$(cat "$T/second")" "Check-in recorded" "and then the second"
is "$(sql "select count(*) from checkins")" 2 "two check-ins"
like "$(ctl ledger verify 2>&1)" "ledger whole: 2 check-ins on the chain" "one chain: the second follows the first"
