#!/usr/bin/env bash
#
# bench/box.sh - chabard as a box of bearerbox (no smsbox, no HTTP in the
# path) against the usual path through smsbox: how many MO/s, and what
# CPU per MO?
#
# Run from the build directory:
#
#     bash bench/box.sh
#     BENCH_MESSAGES=5000 BENCH_RUNS=1 bash bench/box.sh    # quick look
#
# Two targets, alternated for BENCH_RUNS rounds (a shared machine's noise
# moves between rounds, so each round's ratio compares neighbours; the
# medians are printed), each run a fresh stack on 127.0.0.1 and the same
# load as bench/kannel.sh (one non-interactive fakesmsc firing
# BENCH_MESSAGES MOs as fast as bearerbox takes them, -i 0 -m N, timed from
# its start to the N-th reply it receives):
#
#   smsbox  bearerbox + smsbox + bench/responder: smsbox's post-url to the
#           least an application can do (one epoll loop answering "ok" in
#           one send, keep-alive), exactly bench/kannel.sh's responder
#           target.  Nothing is stored: the ceiling of the smsbox path.
#   box     bearerbox + chabard connected to bearerbox's smsbox-port as a
#           box ([box] bearerbox = 127.0.0.1:PORT, tests/lib/stack.sh's
#           chabar_box_conf), at CHABAR_SYNCHRONOUS (full, chabard's
#           default: an fsync per commit).  chabard takes each MO from
#           bearerbox, stores it and its reply in SQLite (group commit),
#           then writes the reply MT and the MO's ack on the same
#           connection.  Afterwards the database must hold exactly N inbound
#           messages with N distinct network ids (bearerbox's UUIDs), and
#           fakesmsc must have received N replies, no more.  Messages per
#           commit come from /metrics.
#
# CPU time (utime+stime from /proc/PID/stat) of bearerbox, smsbox, the
# application and fakesmsc is read before fakesmsc starts and when the N-th
# reply has arrived, divided by N; "all" is bearerbox + smsbox + the
# application, what the pipeline costs the machine per MO.
#
# Kannel logs at info (KANNEL_LOG_LEVEL=1, stack.sh's default), chabard at
# CHABAR_LOG_LEVEL (info: a line per MO, as in production).
#
# Settings (environment):
#   BENCH_MESSAGES  MOs per run (default 20000)
#   BENCH_RUNS      rounds (default 3)
#   BENCH_TIMEOUT   seconds a run may take before it is abandoned
#                   (default 60 + BENCH_MESSAGES / 200)
#   BENCH_KEEP      1: keep the temporary directory (all logs: each run's
#                   chabard.out, bearerbox.log, load.out)
#   RESPONDER       the baseline program (default bench/responder in the
#                   build directory; `make bench-box` builds it)
#   CHABARD, top_builddir, BEARERBOX, SMSBOX, FAKESMSC, KANNEL_LOG_LEVEL,
#   CHABAR_LOG_LEVEL, CHABAR_SYNCHRONOUS, CHABAR_CONF_EXTRA (added before
#   the [box] section): as in tests/lib/stack.sh
#
# The goal (the issue): the box path at least 1.3 x the smsbox path's
# rate.  The last line holds the figures for scripts: ratio (median of the
# rounds' box/smsbox), chabard_cpu_us and responder_cpu_us (per MO),
# box_per_s, smsbox_per_s, batch_mean and batch_p99 (messages per commit),
# then box_bearerbox_cpu_us, smsbox_bearerbox_cpu_us, smsbox_smsbox_cpu_us,
# box_pipeline_cpu_us and smsbox_pipeline_cpu_us (bearerbox + smsbox +
# application per MO).
#
# Exit status: 0 when every run delivered N replies and the box runs stored
# every MO exactly once; 1 otherwise.

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || exit 1

kannel_bench_init
USER_CONF_EXTRA=${CHABAR_CONF_EXTRA:-}

# kannel_target TARGET TAG (bench/lib.sh): the stack of one run.
kannel_target() {
    case $1 in
    smsbox) kannel_start_responder "$2" ;;
    box)
        KANNEL_APP=chabard
        # shellcheck disable=SC2119 # no extra lines for [box]
        CHABAR_CONF_EXTRA=$(printf '%s\n\n' "$USER_CONF_EXTRA"; chabar_box_conf)
        write_chabar_conf "$STACK_DIR/chabar.conf" && start_bearerbox &&
            start_chabard "$STACK_DIR/chabar.conf" && wait_box "$STACK_TIMEOUT"
        ;;
    esac
}

# run_one TARGET ROUND (bench_rounds): one run.
run_one() {
    kannel_run_one "$@"
}

kannel_header 'chabar as a box of bearerbox, against smsbox'
bench_rounds smsbox box
kannel_summary smsbox box 'bearerbox+smsbox -> responder' 'bearerbox -> chabard (box)' more

if [ "$FAILED" != 0 ]; then
    echo "bench/box.sh: some runs failed (see the lines marked CHECK above)" >&2
    exit 1
fi
exit 0
