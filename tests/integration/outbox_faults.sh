#!/bin/bash
#
# tests/integration/outbox_faults.sh - Kannel's sendsms down during a burst:
# nothing is lost, nothing goes twice.
#
# 1,000 messages are queued in the outbox while chabard is stopped; smsbox
# (Kannel's sendsms) is stopped too; chabard starts and finds them due: every
# request fails to connect and each row is queued again with its backoff.
# Then smsbox comes back: every message reaches fakesmsc (the phone side),
# each exactly once, and every row is accepted or delivered. Then a second
# burst, and chabard killed with SIGKILL in the middle of it and started
# again: the requests it had in flight wait for Kannel's reports, which
# prove Kannel has them, rather than go twice; all arrive, each once. TAP
# output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"

N=1000
stack_test_begin outbox-faults smsbox.log
tap_plan 9

missing=$(stack_missing "$CHABARD")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
write_kannel_conf || bail "kannel.conf written"
# no rate limit: the burst goes as fast as Kannel takes it
CHABAR_CONF_EXTRA=$(chabar_sendsms_conf 'rate = 0' 'timeout = 2')
write_chabar_conf "$T/chabar.conf" || bail "chabar.conf written"
start_kannel && start_fakesmsc && start_chabard "$T/chabar.conf" ||
    bail "Kannel, fakesmsc and chabard start"
stop_one() {
    local pid
    pid=$(stack_pid "$1") && kill -TERM "$pid" && wait "$pid" 2>/dev/null
}
sql() { stack_sql "$@"; }

# queue_burst NAME FIRST: N messages "NAME i", to numbers from FIRST on,
# queued while chabard is stopped.
queue_burst() {
    stop_one chabard
    sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $N - 1)
         INSERT INTO outbox (msisdn, text, coding, kind, next_attempt_at, created_at, updated_at)
         SELECT '996555' || printf('%06d', $2 + i), '$1 ' || i, 0, 'reminder',
                strftime('%s', 'now'), strftime('%s', 'now'), strftime('%s', 'now') FROM n"
}
# received NAME: "DISTINCT TOTAL" of the numbers fakesmsc got NAME's messages on
received() {
    mt_lines | grep " $1 " | cut -d' ' -f2 | sort | uniq -c |
        awk '{ d++; t += $1 } END { print d + 0, t + 0 }'
}
queue_burst burst 800000
stop_one smsbox
start_chabard "$T/chabar.conf" || bail "chabard starts again"

refused() { [ "$(sql "select count(*) from outbox where attempts > 0 and status = 'queued'")" -ge 16 ]; }
_stack_wait 15 "" "the first attempts" refused
ok $? "with sendsms down, the first attempts fail and are queued again"
like "$(sql "select last_error from outbox where attempts > 0 limit 1")" '[Cc]onnect' \
    "each with the reason"
is "$(mt_lines | grep -c ' burst ')" 0 "nothing reached a phone meanwhile"

start_smsbox || bail "smsbox comes back"
all_out() { [ "$(mt_lines | grep -c ' burst ')" -ge $N ]; }
_stack_wait 90 "" "the burst delivered" all_out
is "$(received burst)" "$N $N" "when it is back, all $N reach their phones, each exactly once"
settled() { [ "$(sql "select count(*) from outbox where status in ('accepted', 'delivered')")" = $N ]; }
_stack_wait 30 "" "the rows settled" settled
ok $? "and every row is accepted or delivered"
like "$(stack_curl "http://127.0.0.1:$CHABAR_PORT/health")" '"status":"ok"' "chabard is healthy"

# The second burst, and chabard killed in the middle of it.
queue_burst second 900000
start_chabard "$T/chabar.conf" || bail "chabard starts for the second burst"
some_out() { [ "$(mt_lines | grep -c ' second ')" -ge 200 ]; }
_stack_wait 30 "" "part of the second burst out" some_out
kill -KILL "$(stack_pid chabard)" && wait "$(stack_pid chabard)" 2>/dev/null
before=$(received second)
start_chabard "$T/chabar.conf" || bail "chabard starts again after SIGKILL"
all_second() { [ "$(mt_lines | grep -c ' second ')" -ge $N ]; }
_stack_wait 60 "" "the second burst delivered" all_second
sleep 1 # anything sent twice would be on its way now
is "$(received second)" "$N $N" \
    "killed with SIGKILL mid-burst ($before out) and started again: all $N arrive, each exactly once"
settled2() { [ "$(sql "select count(*) from outbox where msisdn >= '996555900000' and status in ('accepted', 'delivered')")" = $N ]; }
_stack_wait 30 "" "the second burst's rows settled" settled2
ok $? "and every row of it is accepted or delivered"
like "$(stack_curl "http://127.0.0.1:$CHABAR_PORT/health")" '"status":"ok"' "chabard is healthy"
