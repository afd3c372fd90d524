#!/usr/bin/env bash
#
# bench/kannel.sh - end to end through the real Kannel: how many MO/s does
# bearerbox + smsbox + chabard sustain, and what share does chabard take?
#
# Run from the build directory:
#
#     bash bench/kannel.sh
#     BENCH_MESSAGES=5000 BENCH_RUNS=1 bash bench/kannel.sh    # quick look
#
# Each run starts a fresh stack (tests/lib/stack.sh: bearerbox, smsbox,
# chabard, all on 127.0.0.1) and then one non-interactive fakesmsc that
# fires BENCH_MESSAGES MOs as fast as bearerbox takes them (-i 0 -m N).
# smsbox calls chabard's post-url (the shipped form; KANNEL_MO_FORM=get for
# get-url) for every MO and sends the response body
# back as the reply MT, which fakesmsc receives.  The time is taken from
# fakesmsc's start (it connects and sends its first MO within milliseconds)
# to the moment it has received the N-th reply (the modification time of
# its log when "Got message N" appears there).
#
# Two targets, alternated for BENCH_RUNS rounds (a shared machine's noise
# moves between rounds, so each round's ratio compares neighbours; the
# medians are printed):
#
#   responder  the URL points at bench/responder (same query string, so
#              smsbox builds the same URL): the least an application can do,
#              one epoll loop answering "ok" in one send, keep-alive.
#   mo         the real URL, /kannel/mo: every MO is stored (and its
#              reply) in SQLite before chabard answers.  Afterwards the
#              database must hold exactly N inbound messages with N distinct
#              ids.  Messages per commit (group commit) come from /metrics.
#
# CPU time (utime+stime from /proc/PID/stat) of each process is read before
# fakesmsc starts and when the N-th reply has arrived; per MO it shows where
# the two cores go.  smsbox is the bottleneck (field notes: ~130 us/MO), so
# chabard's us/MO is the cost we impose on the whole pipeline.
#
# Kannel logs at info (KANNEL_LOG_LEVEL=1, stack.sh's default): debug
# logging halves smsbox's throughput.
#
# Settings (environment):
#   BENCH_MESSAGES  MOs per run (default 20000)
#   BENCH_RUNS      rounds (default 3)
#   BENCH_TIMEOUT   seconds a run may take before it is abandoned
#                   (default 60 + BENCH_MESSAGES / 200)
#   BENCH_KEEP      1: keep the temporary directory (all logs)
#   RESPONDER       the baseline program (default bench/responder in the
#                   build directory; `make bench-kannel` builds it)
#   CHABARD, top_builddir, BEARERBOX, SMSBOX, FAKESMSC, KANNEL_LOG_LEVEL,
#   CHABAR_LOG_LEVEL, CHABAR_SYNCHRONOUS (full, chabard's default: an fsync
#   per commit; normal): as in tests/lib/stack.sh
#
# The last line holds the figures for scripts: ratio (median of the rounds'
# mo/responder), chabard_cpu_us and responder_cpu_us (per MO), mo_per_s,
# responder_per_s, batch_mean and batch_p99 (messages per commit).
#
# Exit status: 0 when every run delivered N replies and the mo runs stored
# every MO exactly once; 1 otherwise.

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || exit 1

kannel_bench_init

# kannel_target TARGET TAG (bench/lib.sh): the stack of one run.
kannel_target() {
    case $1 in
    responder) kannel_start_responder "$2" ;;
    mo)
        KANNEL_APP=chabard
        write_chabar_conf "$STACK_DIR/chabar.conf" &&
            start_kannel && start_chabard "$STACK_DIR/chabar.conf"
        ;;
    esac
}

# run_one TARGET ROUND (bench_rounds): one run.
run_one() {
    kannel_run_one "$@"
}

kannel_header 'chabar end-to-end benchmark through Kannel'
bench_rounds responder mo
kannel_summary responder mo 'Kannel -> responder' 'Kannel -> /kannel/mo'

if [ "$FAILED" != 0 ]; then
    echo "bench/kannel.sh: some runs failed (see the lines marked CHECK above)" >&2
    exit 1
fi
exit 0
