#!/bin/bash
#
# tests/integration/crowd.sh - idle and slow peers do not starve real ones.
#
# Real Kannel (bearerbox + smsbox + fakesmsc) and chabard on 127.0.0.1.
# tests/lib/crowd.js opens 1,000 connections that never send a byte and 100
# that dribble a request a byte a second (reopened each time chabard cuts
# them), all from 127.0.0.1 like Kannel itself, and while they are held
# sends 300 MOs to /kannel/mo and times them; meanwhile MOs also go through
# Kannel and must be answered. chabard's RSS is read while the crowd is
# there. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"

IDLE=1000 SLOW=100 MOS=300
crowd=
stack_test_cleanup() {
    if [ -n "$crowd" ] && kill "$crowd" 2>/dev/null; then wait "$crowd" 2>/dev/null; fi
}
stack_test_begin crowd crowd.err
tap_plan 9

missing=$(stack_missing "$CHABARD")
command -v node >/dev/null || missing="$missing node"
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
# the crowd needs a descriptor a connection; chabard raises its own limit
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# A short request_timeout, so that the slow ones are cut while we watch.
CHABAR_CONF_EXTRA=$(printf '[chabard]\nrequest_timeout = 3')
write_kannel_conf && write_chabar_conf "$T/chabar.conf" || bail "configs written"
start_kannel && start_chabard "$T/chabar.conf" && start_fakesmsc ||
    bail "Kannel, chabard and fakesmsc start"
UNKNOWN=$(catalog_text en global.unknown)

node "$STACK_SRCDIR/tests/lib/crowd.js" "$CHABAR_PORT" "$CHABAR_KEY" $IDLE $SLOW $MOS 1000 \
    >"$T/crowd.out" 2>"$T/crowd.err" &
crowd=$!
# Once the crowd is in, MOs through Kannel too; and chabard's memory.
_stack_wait 30 "$crowd" "the crowd connected" \
    sh -c "[ \$(ls /proc/$(stack_pid chabard)/fd | wc -l) -ge $IDLE ]" ||
    bail "the crowd connected"
answered=0
for i in 1 2 3 4 5; do
    before=$(mt_count)
    send_mo "+99655577000$i" 384 "HELLO $i"
    line=$(wait_mt "^384 [+]?99655577000$i " 10 "$before")
    [ "$(decode_mt "${line:-x x text}")" = "$UNKNOWN" ] && answered=$((answered + 1))
done
rss_kib=$(awk '/^VmRSS/ { print $2 }' "/proc/$(stack_pid chabard)/status")
wait "$crowd"
crowd_status=$?
crowd=
figures=$(tail -n1 "$T/crowd.out")
printf '# while held: %s rss_kib=%s\n' "$figures" "$rss_kib"
figure() { printf '%s\n' "$figures" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }

is "$crowd_status" 0 "the crowd ran"
is "$answered" 5 "MOs through Kannel are answered while the crowd is held"
is "$(figure mo_ok) $(figure mo_failed)" "$MOS 0" "every MO sent to chabard directly is answered"
awk -v p="$(figure p99_ms)" 'BEGIN { exit !(p >= 0 && p < 100) }'
ok $? "an MO's p99 stays under 100 ms ($(figure p99_ms) ms)"
awk -v n="$(figure idle_held)" -v want=$((IDLE * 8 / 10)) 'BEGIN { exit !(n >= want) }'
ok $? "the idle connections were held, not refused wholesale ($(figure idle_held) of $IDLE open)"
awk -v n="$(figure slow_cut)" -v want=$SLOW 'BEGIN { exit !(n >= want) }'
ok $? "every slow request was cut at request_timeout ($(figure slow_cut) cuts)"
# The bound is a production build's (about 17 MiB here). AddressSanitizer
# keeps freed memory in quarantine and adds redzones: a sanitized build
# (.ci/run's) gets four times the room, or this measures ASan.
rss_max=64
ldd "$CHABARD" 2>/dev/null | grep -q libasan && rss_max=256
awk -v r="$rss_kib" -v max="$rss_max" 'BEGIN { exit !(r > 0 && r < max * 1024) }'
ok $? "chabard's RSS stays under $rss_max MiB ($((rss_kib / 1024)) MiB)"
metrics=$(stack_curl "http://127.0.0.1:$CHABAR_PORT/metrics")
like "$metrics" 'chabar_connections_closed_total\{reason="request_timeout"\} [1-9]' \
    "/metrics counts the cuts"
like "$(stack_curl "http://127.0.0.1:$CHABAR_PORT/health")" '"status":"ok"' \
    "chabard is healthy afterwards"
