#!/usr/bin/env bash
#
# bench/crowd.sh - what do idle and slow peers cost a normal MO? (issue 12)
#
# Run from the build directory (`make bench-crowd` does this):
#
#     bash bench/crowd.sh
#     BENCH_RUNS=1 bash bench/crowd.sh          # quicker, noisier
#
# Each round runs two loads on a fresh chabard, interleaved: "alone", then
# "crowd". Both send BENCH_MOS MOs to /kannel/mo one after another on a
# keep-alive connection, 20 ms apart, and time each (tests/lib/crowd.js);
# "crowd" first opens 1,000 connections that never send a byte and 100 that
# dribble a request a byte a second (reopened when chabard cuts them at
# request_timeout), all from 127.0.0.1 like Kannel. chabard's RSS is read
# while the crowd is held. The goal (issue 12): p99 under 100 ms with the
# crowd. The ratio compares the two loads of the same round.
#
# Last line: p99_ms=… alone_p99_ms=… ratio=… rss_mib=… (medians).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source=lib.sh
. "$here/lib.sh" || exit 1
: "${top_builddir:=.}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${BENCH_RUNS:=3}" "${BENCH_MOS:=1000}"
command -v node >/dev/null || die "node is needed"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bench_setup

# run_one NAME IDLE SLOW ROUND: one load on a fresh chabard; appends
# "NAME ROUND p50 p99 max rss_kib mo_ok mo_failed" to BENCH_DIR/results.
run_one() {
    local name=$1 idle=$2 slow=$3 round=$4 tag=$1-$4
    unset CHABAR_PORT CHABAR_DB
    mkdir -p "$BENCH_DIR/$tag" && stack_init "$BENCH_DIR/$tag" || die "stack_init"
    write_chabar_conf "$STACK_DIR/chabar.conf" && start_chabard "$STACK_DIR/chabar.conf" ||
        die "chabard does not start"
    local pid rss=0
    pid=$(stack_pid chabard)
    node "$STACK_SRCDIR/tests/lib/crowd.js" "$CHABAR_PORT" "$CHABAR_KEY" "$idle" "$slow" \
        "$BENCH_MOS" 1000 >"$STACK_DIR/crowd.out" 2>&1 &
    local crowd=$! r
    # RSS while the load runs (the crowd held), every half second: the peak
    while kill -0 "$crowd" 2>/dev/null; do
        r=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        ((${r:-0} > rss)) && rss=$r
        sleep 0.5
    done
    wait "$crowd" || die "$tag: the load failed: $(tail -n2 "$STACK_DIR/crowd.out")"
    local f
    f=$(tail -n1 "$STACK_DIR/crowd.out")
    printf '# %-6s round %d: %s rss_kib=%s\n' "$name" "$round" "$f" "$rss" >&2
    printf '%s\n' "$f" | tr ' ' '\n' | awk -F= -v n="$name" -v r="$round" -v rss="$rss" '
        { v[$1] = $2 }
        END { print n, r, v["p50_ms"], v["p99_ms"], v["max_ms"], rss, v["mo_ok"], v["mo_failed"] }' \
        >>"$BENCH_DIR/results"
    stop_all
}

printf '# %s; %d MOs a load, %d round(s)\n' "$("$CHABARD" -V)" "$BENCH_MOS" "$BENCH_RUNS" >&2
for round in $(seq "$BENCH_RUNS"); do
    run_one alone 0 0 "$round"
    run_one crowd 1000 100 "$round"
done

awk "$BENCH_AWK_MEDIAN"'
    { p50[$1] = p50[$1] " " $3; p99[$1] = p99[$1] " " $4; mx[$1] = mx[$1] " " $5
      rss[$1] = rss[$1] " " $6; failed[$1] += $8
      if ($1 == "crowd") ratio[$2] = $4 } 
    $1 == "alone" { alone[$2] = $4 }
    END {
        printf "| load | MO p50 ms | MO p99 ms | max ms | RSS MiB | failed |\n|---|---:|---:|---:|---:|---:|\n"
        split("alone crowd", names, " ")
        for (i = 1; i <= 2; i++) {
            n = names[i]
            printf "| %s | %.2f | %.2f | %.2f | %.1f | %d |\n", n, median(p50[n]), median(p99[n]),
                median(mx[n]), median(rss[n]) / 1024, failed[n]
        }
        for (r in ratio) rs = rs " " (alone[r] > 0 ? ratio[r] / alone[r] : 0)
        printf "p99_ms=%.2f alone_p99_ms=%.2f ratio=%.2f rss_mib=%.1f\n", median(p99["crowd"]),
            median(p99["alone"]), median(rs), median(rss["crowd"]) / 1024
    }' "$BENCH_DIR/results"
