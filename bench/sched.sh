#!/usr/bin/env bash
#
# bench/sched.sh - the scheduler under a caseload (issue 14): how long a
# restart takes to be ready with what falls due, how late 10,000 reminders
# due in the same second go, and chabard's memory meanwhile.
#
# Run from the build directory (`make bench-sched` does this):
#
#     bash bench/sched.sh
#     BENCH_RUNS=1 bash bench/sched.sh                  # quicker
#
# Each round runs two loads on a fresh chabard and database, interleaved:
#
#   empty   10,000 persons enrolled, no plan, no appointment;
#   loaded  the same persons on the tier "high" (daily 09:00-12:00, each
#           with its next window planned), 50,000 appointments (5 each,
#           4 to 8 days ahead) with their 150,000 reminders (3d, 1d, 2h),
#           of which 10,000 fall due in the same second, 4 s after chabard
#           is started.
#
# recompute_s: from chabard's exec to its log line due_ready (the first
# look after a start is done: everything that fell due meanwhile handled,
# the timer set to the next deadline). lateness: each reminder's late_ms
# (chabard's debug line reminder_sent: when it was queued in the outbox,
# minus its due time). RSS: chabard's peak (VmHWM). The rows are written
# with sqlite3 while chabard is stopped, as a restart would find them.
# Goals: recompute under 2 s, lateness p99 under 1 s, RSS under 64 MiB.
# Last line: recompute_s=… lateness_p99_ms=… rss_mib=… (medians, loaded).
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source=lib.sh
. "$here/lib.sh" || exit 1
: "${top_builddir:=.}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"
: "${BENCH_RUNS:=3}"
PERSONS=10000 APPOINTMENTS=5 CROWD=10000
bench_setup

# caseload LOADED: the persons (and, if LOADED is 1, their plans,
# appointments and reminders) written straight into the database.
caseload() {
    local loaded=$1 now crowd_at
    now=$(date +%s)
    crowd_at=$((now + 4 + 2)) # chabard is started 2 s from now at the latest
    "$CHABARCTL" -c "$STACK_DIR/chabar.conf" migrate >/dev/null || die "migrate"
    stack_sql "INSERT INTO districts (code, name, language, timezone) VALUES ('BSK', 'Bishkek', 'ru', 'Asia/Bishkek');
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $PERSONS - 1)
        INSERT INTO persons (msisdn, name, language, district_id, tier, created_at)
        SELECT '99655' || printf('%07d', i), 'Person ' || i, 'ru', 1,
               CASE $loaded WHEN 1 THEN 'high' END, $now FROM n;" || die "persons"
    [ "$loaded" = 1 ] || return 0
    stack_sql "
        INSERT INTO windows (person_id, opens_at, closes_at, next_at)
        SELECT id, $now + 86400, $now + 86400 + 10800, $now + 86400 FROM persons;
        WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < $APPOINTMENTS - 1)
        INSERT INTO appointments (person_id, starts_at, place, created_at)
        SELECT p.id, $now + (4 + k.j) * 86400, 'Room ' || k.j, $now FROM persons p, k;
        INSERT INTO reminders (appointment_id, before_s, due_at)
        SELECT a.id, b.s, a.starts_at - b.s FROM appointments a,
               (SELECT 259200 AS s UNION ALL SELECT 86400 UNION ALL SELECT 7200) b;
        UPDATE reminders SET due_at = $crowd_at
        WHERE id IN (SELECT r.id FROM reminders r JOIN appointments a ON a.id = r.appointment_id
                     WHERE r.before_s = 259200 AND a.starts_at = (SELECT min(starts_at) FROM appointments)
                     LIMIT $CROWD);" || die "plans and appointments"
}

# run_one NAME ROUND: appends "NAME ROUND recompute_s lateness_p99_ms rss_kib"
# to BENCH_DIR/results.
run_one() {
    local name=$1 round=$2 loaded=0 t0 t1 pid rss p99=0
    [ "$name" = loaded ] && loaded=1
    unset CHABAR_PORT CHABAR_DB
    mkdir -p "$BENCH_DIR/$name-$round" && stack_init "$BENCH_DIR/$name-$round" || die "stack_init"
    CHABAR_LOG_LEVEL=debug
    CHABAR_CONF_EXTRA=$(printf '[tier.high]\nwindows = daily 09:00-12:00\nreminders = 0m\n')
    write_chabar_conf "$STACK_DIR/chabar.conf" || die "chabar.conf"
    caseload "$loaded"
    t0=$(now)
    start_chabard "$STACK_DIR/chabar.conf" || die "chabard does not start"
    pid=$(stack_pid chabard)
    until grep -q 'event=due_ready' "$STACK_DIR/chabard.out"; do
        kill -0 "$pid" 2>/dev/null || die "chabard died"
        sleep 0.01
    done
    t1=$(now)
    if [ "$loaded" = 1 ]; then
        until [ "$(grep -c 'event=reminder_sent' "$STACK_DIR/chabard.out")" -ge "$CROWD" ]; do
            kill -0 "$pid" 2>/dev/null || die "chabard died"
            sleep 0.2
        done
        p99=$(grep -o 'event=reminder_sent id=[0-9]* late_ms=-\?[0-9]*' "$STACK_DIR/chabard.out" |
            sed 's/.*late_ms=//' | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print v[i] }')
    fi
    rss=$(vm_hwm_kb "$pid")
    printf '# %-6s round %d: recompute_s=%.3f lateness_p99_ms=%s rss_kib=%s\n' "$name" "$round" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$p99" "$rss" >&2
    echo "$name $round $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') $p99 $rss" >>"$BENCH_DIR/results"
    stop_all
}

printf '# %s; %d persons, %d appointments each, %d reminders due at once, %d round(s)\n' \
    "$("$CHABARD" -V)" "$PERSONS" "$APPOINTMENTS" "$CROWD" "$BENCH_RUNS" >&2
for round in $(seq "$BENCH_RUNS"); do
    run_one empty "$round"
    run_one loaded "$round"
done
awk "$BENCH_AWK_MEDIAN"'
    { rec[$1] = rec[$1] " " $3; late[$1] = late[$1] " " $4; rss[$1] = rss[$1] " " $5 }
    END {
        printf "| load | recompute s | lateness p99 ms | RSS MiB |\n|---|---:|---:|---:|\n"
        printf "| empty | %.3f | | %.1f |\n", median(rec["empty"]), median(rss["empty"]) / 1024
        printf "| loaded | %.3f | %.0f | %.1f |\n", median(rec["loaded"]), median(late["loaded"]),
            median(rss["loaded"]) / 1024
        printf "recompute_ratio=%.2f rss_ratio=%.2f\n", median(rec["loaded"]) / median(rec["empty"]),
            median(rss["loaded"]) / median(rss["empty"])
        printf "recompute_s=%.3f lateness_p99_ms=%.0f rss_mib=%.1f\n", median(rec["loaded"]),
            median(late["loaded"]), median(rss["loaded"]) / 1024
    }' "$BENCH_DIR/results"
