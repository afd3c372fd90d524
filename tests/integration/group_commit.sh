#!/bin/bash
#
# tests/integration/group_commit.sh - group commit with a real chabard and a
# real SQLite file: messages that arrive together share one commit; one
# message that fails is answered 503 alone while the others are stored; a
# commit that fails answers every message of its batch 503 and keeps none
# of them; the same messages sent again are stored once. Faults are made in
# SQLite itself (a trigger that aborts one insert, a deferred foreign key
# that only the COMMIT checks), not mocked. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"

stack_test_begin group
# A message waits up to 400 ms for others: requests sent together share a
# commit however the machine schedules them.
export CHABAR_CONF_EXTRA
CHABAR_CONF_EXTRA=$(printf '[chabard]\nbatch_wait_ms = 400\n')
write_chabar_conf "$T/chabar.conf" || exit 1
BASE="http://127.0.0.1:$CHABAR_PORT"
sql() { stack_sql "$@"; }

# together ID:TEXT...: stack_together, each from a number of its own.
together() {
    local a args=()
    for a in "$@"; do
        args+=("${a%%:*}:$a")
    done
    stack_together "${args[@]}"
}

tap_plan 15

start_chabard "$T/chabar.conf" || bail "chabard starts"
ok 0 "chabard starts"
# An idle connection, as Kannel keeps them: while one is open with no
# request on it, a batch waits its batch_wait_ms for more.
exec {IDLE}<>"/dev/tcp/127.0.0.1/$CHABAR_PORT" || bail "an idle connection opens"

# --- messages sent together share one commit ---------------------------------
before=$(stack_commits)
is "$(together 1001:HELP 1002:HELP 1003:HELP 1004:HELP)" "$(printf '%s 200\n' 1001 1002 1003 1004)" \
    "four messages sent together: each answered 200"
is "$(($(stack_commits) - before))" 1 "in one commit"
is "$(sql "select count(*) from messages where direction = 'in'")" 4 "all four stored"

# --- one message fails: it alone is answered 503 -----------------------------
sql "CREATE TRIGGER fail_one BEFORE INSERT ON messages WHEN new.text = 'FAIL-ONE'
     BEGIN SELECT RAISE(ABORT, 'a fault made by the test'); END"
is "$(together 2001:HELP 2002:FAIL-ONE 2003:HELP)" "$(printf '2001 200\n2002 503\n2003 200\n')" \
    "a message whose insert fails gets 503, the two beside it 200"
is "$(sql "select group_concat(network_id) from (select network_id from messages where network_id like '200%' order by 1)")" \
    "2001,2003" "the other two are stored, the failed one not at all"

# --- the commit fails: the whole batch is answered 503, nothing kept ---------
sql "CREATE TABLE commit_fault (district INTEGER REFERENCES districts(id) DEFERRABLE INITIALLY DEFERRED);
     CREATE TRIGGER fail_commit AFTER INSERT ON messages WHEN new.text = 'FAIL-COMMIT'
     BEGIN INSERT INTO commit_fault VALUES (-1); END"
is "$(together 3001:HELP 3002:FAIL-COMMIT 3003:HELP)" "$(printf '3001 503\n3002 503\n3003 503\n')" \
    "a commit that fails (a deferred foreign key): every message of the batch gets 503"
is "$(sql "select count(*) from messages where network_id like '300%'")" 0 "none of them is stored"
is "$(sql "select count(*) from commit_fault")" 0 "nor anything they wrote"
like "$(cat "$T/chabard.out")" 'level=error event=store_commit .*messages=3' \
    "the failed commit is logged once, with its size"

# --- sent again (as Kannel retries), they are stored, once -------------------
sql "DROP TRIGGER fail_commit; DROP TRIGGER fail_one"
is "$(together 3001:HELP 3002:FAIL-COMMIT 3003:HELP 2002:FAIL-ONE)" \
    "$(printf '2002 200\n3001 200\n3002 200\n3003 200\n')" "the retries are answered 200"
is "$(sql "select count(*) from messages where direction = 'in' and network_id like '3%'")" 3 \
    "the batch that failed is stored now"
is "$(together 3001:HELP 2001:HELP)" "$(printf '2001 200\n3001 200\n')" \
    "and a retry of what was stored gets its answer again"
is "$(sql "select count(*) from messages where direction = 'in' and network_id in ('3001', '2001')")" 2 \
    "without storing it twice"

# Once no connection is idle, nothing more can come before we answer: a
# lone message is not held for batch_wait_ms (an aggregator's steps come
# one at a time). The closed connection may take a turn to be seen: three
# tries.
exec {IDLE}>&-
for try in 1 2 3; do
    secs=$(stack_curl -o /dev/null -w '%{time_total}' \
        "$BASE/kannel/mo?key=$CHABAR_KEY&from=%2B996555005001&to=384&text=HELP&id=500$try&coding=0")
    awk -v s="$secs" 'BEGIN { exit !(s < 0.3) }' && break
done
awk -v s="$secs" 'BEGIN { exit !(s < 0.3) }'
ok $? "with no idle connection a lone message is answered at once ($secs s, not 0.4)"
