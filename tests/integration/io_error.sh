#!/bin/bash
#
# tests/integration/io_error.sh - a disk that fails to make a commit durable
# loses nothing acknowledged.
#
# chabard runs with tests/faults/iofault.so preloaded: while a flag file
# exists, fsync and fdatasync fail with EIO, where SQLite makes a commit
# durable. Meanwhile every MO is answered 503 (Kannel retries) and none is
# stored; /health says degraded; chabard keeps running; once the disk
# behaves it recovers by itself and the retries are stored exactly once.
# TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
IOFAULT=$(cd "$top_builddir" && pwd)/tests/faults/iofault.so

stack_test_begin io-error
tap_plan 10

[ -f "$IOFAULT" ] || bail "tests/faults/iofault.so is built"
write_chabar_conf "$T/chabar.conf" || bail "config written"
# chabard alone gets the fault (a sanitizer build checks that its runtime
# is loaded first; the preloaded library needs none of it)
CHABAR_IOFAULT=$T/failing LD_PRELOAD=$IOFAULT \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    start_chabard "$T/chabar.conf" || bail "chabard starts"
pid=$(stack_pid chabard)
URL="http://127.0.0.1:$CHABAR_PORT/kannel/mo?key=$CHABAR_KEY"
sql() { stack_sql "$@"; }
mo() { stack_curl -o /dev/null -w '%{http_code}' "$URL&from=99655500020$1&text=HELLO&id=$2"; }
health() { stack_curl -o "$T/health" -w '%{http_code}' "http://127.0.0.1:$CHABAR_PORT/health"; }

is "$(mo 1 before)" 200 "a healthy disk: 200"
touch "$T/failing"
statuses=$(for i in 1 2 3 4 5; do printf '%s ' "$(mo "$i" "during-$i")"; done)
is "$statuses" "503 503 503 503 503 " "while fsync fails, every MO is answered 503"
is "$(sql "select count(*) from messages where network_id like 'during-%'")" 0 \
    "and none of them is stored"
is "$(health)" 503 "/health answers 503"
like "$(cat "$T/health")" '"status":"degraded".*"database":"error"' "and says the database is failing"
like "$(cat "$T/chabard.out")" 'level=error event=store_commit .*error="disk I/O error"' \
    "the log says why"
kill -0 "$pid" 2>/dev/null
ok $? "chabard keeps running"

rm -f "$T/failing"
is "$(health)" 200 "once the disk behaves, /health answers 200 by itself"
for i in 1 2 3 4 5; do mo "$i" "during-$i" >/dev/null; done
is "$(sql "select count(*) || ' ' || count(distinct network_id) from messages where network_id like 'during-%' and direction = 'in'") $(sql "pragma integrity_check")" \
    "5 5 ok" "the retries are stored, each once, in an intact database"
is "$(sql "select count(*) from messages where network_id = 'before'")" 1 \
    "what was acknowledged before the fault is still there"
