#!/usr/bin/env bash
#
# bench/fanout.sh - how fast does the outbox hand messages to Kannel, and
# what does a fan-out cost an MO meanwhile? (issue 13)
#
# Run from the build directory (`make bench-fanout` does this):
#
#     bash bench/fanout.sh
#     BENCH_MESSAGES=20000 BENCH_RUNS=1 bash bench/fanout.sh      # quicker
#
# The sink is bench/responder in its sendsms mode: a keep-alive epoll
# loop answering every request as Kannel's sendsms does (202 "0: Accepted
# for delivery"), so the figure is chabard's own hand-off rate, not an
# SMSC's. Each round runs two loads on a fresh chabard with a fresh
# database ([sendsms] rate = 0: no limit, in_flight = 16), interleaved:
#
#   alone   500 MOs to /kannel/mo, one after another 20 ms apart, timed
#           (tests/lib/crowd.js), and nothing queued;
#   fanout  BENCH_MESSAGES rows queued while chabard was stopped (each to a
#           number of its own), then chabard started: the same MOs timed
#           while it sends them all; the hand-off rate is BENCH_MESSAGES
#           over the time from chabard's start to the last row accepted.
#
# chabard's peak RSS is read every half second. Goals (issue 13): hand-off
# at least 5,000/s, RSS under 64 MiB, an MO's p99 under 10 ms meanwhile.
# Last line: handoff_per_s=… rss_mib=… mo_p99_ms=… alone_p99_ms=… (medians).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source=lib.sh
. "$here/lib.sh" || exit 1
: "${top_builddir:=.}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${RESPONDER:=$top_builddir/bench/responder}"
: "${BENCH_RUNS:=3}" "${BENCH_MESSAGES:=100000}" "${BENCH_IN_FLIGHT:=16}"
MOS=500
command -v node >/dev/null || die "node is needed"
[ -x "$RESPONDER" ] || die "build bench/responder first (make bench-fanout)"
bench_setup

# run_one NAME ROUND: appends "NAME ROUND handoff_per_s rss_kib p99_ms" to
# BENCH_DIR/results.
run_one() {
    local name=$1 round=$2 tag=$1-$2 sink
    unset CHABAR_PORT CHABAR_DB
    mkdir -p "$BENCH_DIR/$tag" && stack_init "$BENCH_DIR/$tag" || die "stack_init"
    sink=$(free_port) || die "no free port"
    stack_spawn sink TERM "$RESPONDER" "$sink" sendsms
    CHABAR_CONF_EXTRA=$(printf '[sendsms]\nurl = http://127.0.0.1:%s/cgi-bin/sendsms\npassword = bench\nrate = 0\nin_flight = %s' "$sink" "$BENCH_IN_FLIGHT")
    write_chabar_conf "$STACK_DIR/chabar.conf" && start_chabard "$STACK_DIR/chabar.conf" ||
        die "chabard does not start"
    local pid
    pid=$(stack_pid chabard)
    if [ "$name" = fanout ]; then # queue the burst while chabard is stopped
        kill -TERM "$pid" && wait "$pid" 2>/dev/null
        stack_sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n
                   WHERE i < $BENCH_MESSAGES - 1)
            INSERT INTO outbox (msisdn, text, coding, kind, next_attempt_at, created_at, updated_at)
            SELECT '99655' || printf('%07d', i), 'Reminder: your appointment is tomorrow at 10:00.',
                   0, 'reminder', 0, strftime('%s', 'now'), strftime('%s', 'now') FROM n" ||
            die "cannot queue the burst"
        start_chabard "$STACK_DIR/chabar.conf" || die "chabard does not start again"
        pid=$(stack_pid chabard)
    fi
    local t0 t1=0 rss=0 r
    t0=$(now)
    node "$STACK_SRCDIR/tests/lib/crowd.js" "$CHABAR_PORT" "$CHABAR_KEY" 0 0 $MOS \
        >"$STACK_DIR/mos.out" 2>&1 &
    local mos=$!
    while kill -0 "$mos" 2>/dev/null ||
        { [ "$name" = fanout ] && [ "$t1" = 0 ]; }; do
        r=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        ((${r:-0} > rss)) && rss=$r
        if [ "$name" = fanout ] && [ "$t1" = 0 ] &&
            [ "$(stack_sql "select count(*) from outbox where status = 'accepted'")" = "$BENCH_MESSAGES" ]; then
            t1=$(now)
        fi
        sleep 0.5
    done
    wait "$mos" || die "$tag: the MOs failed: $(tail -n2 "$STACK_DIR/mos.out")"
    local p99 rate=0
    p99=$(tail -n1 "$STACK_DIR/mos.out" | tr ' ' '\n' | awk -F= '$1 == "p99_ms" { print $2 }')
    [ "$name" = fanout ] && rate=$(awk -v n="$BENCH_MESSAGES" -v a="$t0" -v b="$t1" \
        'BEGIN { printf "%.0f", n / (b - a) }')
    printf '# %-6s round %d: handoff_per_s=%s rss_kib=%s mo_p99_ms=%s (%s)\n' "$name" "$round" \
        "$rate" "$rss" "$p99" "$(tail -n1 "$STACK_DIR/mos.out")" >&2
    echo "$name $round $rate $rss $p99" >>"$BENCH_DIR/results"
    stop_all
}

printf '# %s; %d messages a fan-out, %d round(s)\n' "$("$CHABARD" -V)" "$BENCH_MESSAGES" \
    "$BENCH_RUNS" >&2
for round in $(seq "$BENCH_RUNS"); do
    run_one alone "$round"
    run_one fanout "$round"
done
awk "$BENCH_AWK_MEDIAN"'
    { rate[$1] = rate[$1] " " $3; rss[$1] = rss[$1] " " $4; p99[$1] = p99[$1] " " $5 }
    END {
        printf "| load | hand-off /s | RSS MiB | MO p99 ms |\n|---|---:|---:|---:|\n"
        printf "| alone | | %.1f | %.2f |\n", median(rss["alone"]) / 1024, median(p99["alone"])
        printf "| fan-out | %.0f | %.1f | %.2f |\n", median(rate["fanout"]),
            median(rss["fanout"]) / 1024, median(p99["fanout"])
        printf "handoff_per_s=%.0f rss_mib=%.1f mo_p99_ms=%.2f alone_p99_ms=%.2f\n",
            median(rate["fanout"]), median(rss["fanout"]) / 1024, median(p99["fanout"]),
            median(p99["alone"])
    }' "$BENCH_DIR/results"
