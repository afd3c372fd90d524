# shellcheck shell=bash
#
# bench/lib.sh - what the benchmark scripts share: their working directory
# and its cleanup, reading a process's CPU time and peak memory from
# /proc, and wrk's durations. Source it after tests/lib/stack.sh.

BENCH_NAME=$(basename "$0")

# die MESSAGE: a setup problem; nothing is measured.
die() {
    printf 'bench/%s: %s\n' "$BENCH_NAME" "$*" >&2
    exit 1
}

# bench_setup: make BENCH_DIR, a private temp dir; at exit stop everything
# stack.sh started and remove the dir (BENCH_KEEP=1 keeps it).
bench_setup() {
    BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chabar-${BENCH_NAME%.sh}.XXXXXX") || exit 1
    trap _bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317 # called by the trap
_bench_cleanup() {
    stop_all
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        printf '# kept %s\n' "$BENCH_DIR" >&2
    else
        rm -rf "$BENCH_DIR"
    fi
}

# cpu_ticks PID: utime + stime of PID in clock ticks (/proc/PID/stat fields
# 14 and 15; the command name in field 2 may hold spaces, so cut after ')').
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat") || return 1
    # what is left starts at field 3 (state): utime is its 12th word
    awk '{ print $12 + $13 }' <<<"${stat##*) }"
}

# now: wall clock with nanoseconds, as seconds.
now() {
    date +%s.%N
}

# vm_hwm_kb PID: peak resident set size in kB.
vm_hwm_kb() {
    awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# to_us VALUE: a wrk duration ("512.00us", "1.23ms", "2.00s", "1.5m") in
# microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : (u == "h") ? 3.6e9 : -1
        if (f < 0) { print "?"; exit 1 }
        printf "%.0f\n", n * f
    }'
}

# An awk function for the tables: median(list) of a space-separated list
# of numbers (insertion sort: lists are a few rounds long). Put it in front
# of an awk program: awk "$BENCH_AWK_MEDIAN"'{ ... }'.
# shellcheck disable=SC2016 # awk's $ signs, not the shell's
BENCH_AWK_MEDIAN='
function median(list,    a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) {
        t = a[i] + 0
        for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
        a[j + 1] = t
    }
    if (n == 0) return ""
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
'

# batch_stats URL: "MEAN P99" of the messages per commit, from chabard's
# /metrics histogram chabar_commit_batch_size (P99 is the upper bound of the
# bucket that holds the 99th percentile); "- -" if there is none.
batch_stats() {
    stack_curl -s --max-time 5 "$1" | awk '
        /^chabar_commit_batch_size_bucket\{le="[0-9]/ {
            split($1, a, "\""); le[++n] = a[2] + 0; cum[n] = $2 + 0 }
        /^chabar_commit_batch_size_sum / { sum = $2 }
        /^chabar_commit_batch_size_count / { count = $2 }
        END {
            if (!count) { print "- -"; exit }
            for (i = 1; i <= n && cum[i] < 0.99 * count; i++) ;
            printf "%.1f %s\n", sum / count, (i <= n) ? le[i] : ">" le[n]
        }'
}

# chabard_problems LOG: the warnings and errors chabard logged, one a line.
# wrk closes its connections when its time is up; a request still waiting
# for its batch's commit then ends "end=error" (stored, its answer had no
# one to go to): not a problem of chabard's, so left out.
chabard_problems() {
    grep 'level=\(warn\|error\)' "$1" | grep -v 'event=http .* end=error'
}
