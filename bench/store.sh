#!/usr/bin/env bash
#
# bench/store.sh - the same MO load through Kannel into chabard on its two
# stores: SQLite on this disk, and PostgreSQL 15 with a synchronous
# standby on loopback (issue 19). How many MO/s each, what a commit costs
# (p50, p99) and how many messages one holds.
#
# Run from the build directory (as root: PostgreSQL runs as postgres):
#
#     bash bench/store.sh
#     BENCH_MESSAGES=5000 BENCH_RUNS=1 bash bench/store.sh    # quick look
#
# Two targets, alternated for BENCH_RUNS rounds (a shared machine's noise
# moves between rounds, so each round's ratio compares neighbours; the
# medians are printed), each run a fresh Kannel stack and chabard, the load
# of bench/kannel.sh (one fakesmsc firing BENCH_MESSAGES MOs as fast as
# bearerbox takes them, through smsbox's post-url, timed from its start to
# the N-th reply), from BENCH_SENDERS numbers (200 here, where
# bench/kannel.sh has 4: a sender's message waits for its last one's
# commit, batch.h, so four senders would allow four messages a commit, a
# burst no probation office's or tip line's traffic makes):
#
#   sqlite      chabard's default store, synchronous = full (an fsync per
#               commit), a new file each run.
#   postgresql  [store] backend = postgresql: a primary whose commits wait
#               for one standby to have flushed them (synchronous_commit =
#               on, the second standby of tests/lib/pg.sh stopped, so one
#               is there to wait for), on this machine; a new database each
#               run. The clusters are started once, as the postgres user; before
#               each run the standby has replayed the last one and both
#               checkpointed.
#
# Afterwards each database must hold exactly N inbound messages with N
# distinct network ids, and fakesmsc must have received N replies. Commit
# latency (interpolated within /metrics' chabar_store_commit_seconds
# buckets, as Prometheus' histogram_quantile does) and messages per commit
# come from chabard's /metrics; CPU per MO as in bench/kannel.sh (the
# PostgreSQL servers' own CPU is not in "chabard"; "machine" is every
# process's, /proc/stat, the servers' too).
#
# Settings (environment): BENCH_MESSAGES (default 20000), BENCH_RUNS (3),
# BENCH_SENDERS (200),
# BENCH_TIMEOUT, BENCH_KEEP, and CHABARD, top_builddir, BEARERBOX, SMSBOX,
# FAKESMSC, KANNEL_LOG_LEVEL, CHABAR_LOG_LEVEL, PG_BIN as in
# tests/lib/stack.sh and tests/lib/pg.sh.
#
# The goal (the issue): PostgreSQL with a synchronous standby at least
# 0.7 x SQLite's rate. The last line: sqlite_per_s, postgres_per_s, ratio
# (median of the rounds' postgresql/sqlite), then each target's commit
# p50/p99 in ms, batch_mean, chabard_cpu_us and machine_cpu_us.
#
# Exit status: 0 when every run delivered N replies and stored every MO
# exactly once; 1 otherwise.

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=../tests/lib/pg.sh
. "$here/../tests/lib/pg.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || exit 1

BENCH_SENDERS=${BENCH_SENDERS:-200}
kannel_bench_init
missing=$(pg_missing)
[ -z "$missing" ] || die "PostgreSQL 15 is needed (missing:$missing; contrib/deps-debian.sh)"
trap 'pg_stop_all; _bench_cleanup' EXIT
stack_init "$BENCH_DIR/pg" && pg_start || die "the PostgreSQL clusters did not start"
_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/s2" -m immediate -w stop >/dev/null ||
    die "could not leave one standby"

# _replayed: the standby has replayed all the primary wrote.
_replayed() {
    [ "$(pg_sql s1 "select pg_last_wal_replay_lsn() >= '$1'")" = t ]
}

# _settled: the clusters idle, as a new SQLite file is: the last run's
# log replayed by the standby and checkpointed, so that no run pays for
# the one before.
_settled() {
    local lsn
    pg_sql p "checkpoint" >/dev/null && lsn=$(pg_sql p "select pg_current_wal_lsn()") &&
        _stack_wait 120 "" "the standby replayed the last run" _replayed "$lsn" &&
        pg_sql s1 "checkpoint" >/dev/null
}

# kannel_target TARGET TAG (bench/lib.sh): the stack of one run.
kannel_target() {
    unset CHABAR_STORE_URI
    if [ "$1" = postgresql ]; then
        _settled && pg_database "bench_${2//-/_}" || return 1
    fi
    KANNEL_APP=chabard
    write_chabar_conf "$STACK_DIR/chabar.conf" &&
        start_kannel && start_chabard "$STACK_DIR/chabar.conf"
}

# run_one TARGET ROUND (bench_rounds): one run.
run_one() {
    kannel_run_one "$@"
}

kannel_header 'chabar on SQLite and on PostgreSQL with a synchronous standby, through Kannel'
printf 'store:   %s\n' "$("$PG_BIN/postgres" -V), one synchronous standby on 127.0.0.1"
bench_rounds sqlite postgresql

# results (bench/lib.sh kannel_run_one): target round mops secs cpu x4 ok
# batch_mean batch_p99 commit_p50_ms commit_p99_ms machine_cpu_us
awk -v runs="$BENCH_RUNS" "$BENCH_AWK_MEDIAN"'
function fig(list, f) { return list == "" ? "-" : sprintf(f, median(list)) }
$9 == "yes" {
    mops[$1] = mops[$1] " " $3; rate[$1, $2] = $3; cpu[$1] = cpu[$1] " " $7
    batch[$1] = batch[$1] " " $10; p50[$1] = p50[$1] " " $12; p99[$1] = p99[$1] " " $13
    machine[$1] = machine[$1] " " $14
    good[$1]++
}
$9 != "yes" { bad[$1]++ }
END {
    printf "\n%-12s %7s %11s %11s %10s %11s %11s %5s\n", "store", "MO/s", "commit p50",
        "commit p99", "per commit", "chabard", "machine", "runs"
    printf "%-12s %7s %11s %11s %10s %11s %11s %5s\n", "(median)", "", "ms", "ms", "messages",
        "us/MO", "us/MO", "ok"
    split("sqlite postgresql", order, " ")
    for (i = 1; i <= 2; i++) {
        t = order[i]
        printf "%-12s %7s %11s %11s %10s %11s %11s %2d/%-2d\n", t, fig(mops[t], "%.0f"),
            fig(p50[t], "%.2f"), fig(p99[t], "%.2f"), fig(batch[t], "%.1f"),
            fig(cpu[t], "%.1f"), fig(machine[t], "%.0f"), good[t], good[t] + bad[t]
    }
    for (r = 1; r <= runs; r++)
        if ((("postgresql", r) in rate) && (("sqlite", r) in rate) && rate["sqlite", r] > 0)
            ratios = ratios " " sprintf("%.2f", rate["postgresql", r] / rate["sqlite", r])
    printf "\npostgresql / sqlite, round by round:%s\n", ratios
    printf "sqlite_per_s=%s postgres_per_s=%s ratio=%s sqlite_commit_p50_ms=%s sqlite_commit_p99_ms=%s postgres_commit_p50_ms=%s postgres_commit_p99_ms=%s sqlite_batch_mean=%s postgres_batch_mean=%s sqlite_chabard_cpu_us=%s postgres_chabard_cpu_us=%s sqlite_machine_cpu_us=%s postgres_machine_cpu_us=%s\n",
        fig(mops["sqlite"], "%.0f"), fig(mops["postgresql"], "%.0f"), fig(ratios, "%.2f"),
        fig(p50["sqlite"], "%.2f"), fig(p99["sqlite"], "%.2f"), fig(p50["postgresql"], "%.2f"),
        fig(p99["postgresql"], "%.2f"), fig(batch["sqlite"], "%.1f"),
        fig(batch["postgresql"], "%.1f"), fig(cpu["sqlite"], "%.1f"), fig(cpu["postgresql"], "%.1f"),
        fig(machine["sqlite"], "%.0f"), fig(machine["postgresql"], "%.0f")
}' "$BENCH_DIR/results"

if [ "$FAILED" != 0 ]; then
    echo "bench/store.sh: some runs failed (see the lines marked CHECK above)" >&2
    exit 1
fi
exit 0
