# shellcheck shell=bash
#
# bench/lib.sh - what the benchmark scripts share: their working directory
# and its cleanup, the interleaved rounds, reading a process's CPU time and
# peak memory from /proc, and wrk's durations; and the runs end to end
# through Kannel of kannel.sh and box.sh. Source it after tests/lib/stack.sh.

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

# machine_ticks: CPU time every process of the machine has had, in clock
# ticks (/proc/stat's first line: user, nice, system, irq, softirq, steal).
machine_ticks() {
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
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

# bench_rounds TARGET...: BENCH_RUNS rounds, in each the script's
# "run_one TARGET ROUND" for every TARGET in order (interleaved: a shared
# machine's noise moves between rounds, so neighbours compare); FAILED=1
# when one fails. BENCH_DIR/results is emptied first (run_one appends a
# line per run).
bench_rounds() {
    local round target
    : >"$BENCH_DIR/results"
    for ((round = 1; round <= BENCH_RUNS; round++)); do
        for target in "$@"; do
            if ! run_one "$target" "$round"; then
                stack_log "$target round $round: failed"
                FAILED=1
            fi
        done
    done
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

# commit_latency URL: "P50 P99" of chabard's commits in milliseconds, from
# /metrics' chabar_store_commit_seconds, interpolated within a bucket as
# Prometheus' histogram_quantile does; "- -" if there is none.
commit_latency() {
    stack_curl -s --max-time 5 "$1" | awk '
        function q(p,    i, rank, lo, below) {
            rank = p * count
            for (i = 1; i <= n && cum[i] < rank; i++) ;
            if (i > n) return le[n] * 1000 # past the last bound: that bound
            lo = (i > 1) ? le[i - 1] : 0; below = (i > 1) ? cum[i - 1] : 0
            return (lo + (le[i] - lo) * (rank - below) / (cum[i] - below)) * 1000
        }
        /^chabar_store_commit_seconds_bucket\{le="[0-9]/ {
            split($1, a, "\""); le[++n] = a[2] + 0; cum[n] = $2 + 0 }
        /^chabar_store_commit_seconds_count / { count = $2 }
        END {
            if (!count) { print "- -"; exit }
            printf "%.3f %.3f\n", q(0.5), q(0.99)
        }'
}

# chabard_problems LOG: the warnings and errors chabard logged, one a line.
# wrk closes its connections when its time is up; a request still waiting
# for its batch's commit then ends "end=error" (stored, its answer had no
# one to go to): not a problem of chabard's, so left out.
chabard_problems() {
    grep 'level=\(warn\|error\)' "$1" | grep -v 'event=http .* end=error'
}

# ==========================================================================
# End to end through Kannel (kannel.sh, box.sh): two targets alternated
# round by round, each run a fresh stack and one fakesmsc load of
# BENCH_MESSAGES MOs, timed from fakesmsc's start to the N-th reply, with
# each process's CPU per MO. A script defines kannel_target TARGET TAG,
# which starts its stack (after stack_init and write_kannel_conf, done
# here) and sets KANNEL_APP to the name its application was started under
# (chabard or responder; a run against chabard checks the database), and
# run_one calling kannel_run_one; then it calls kannel_bench_init,
# kannel_header, bench_rounds BASE TARGET and kannel_summary.

# kannel_bench_init: the settings (BENCH_MESSAGES 20000, BENCH_RUNS 3,
# BENCH_SENDERS 4 (the load's numbers, each texting one of four texts),
# BENCH_TIMEOUT 60 + BENCH_MESSAGES / 200, BENCH_KEEP, CHABARD, RESPONDER)
# and the programs checked; BENCH_DIR made.
kannel_bench_init() {
    : "${BENCH_MESSAGES:=20000}"
    : "${BENCH_RUNS:=3}"
    : "${BENCH_SENDERS:=4}"
    : "${BENCH_KEEP:=0}"
    : "${CHABARD:=${top_builddir:-.}/gateway/chabard}"
    : "${RESPONDER:=${top_builddir:-.}/bench/responder}"
    export CHABARD
    [[ $BENCH_MESSAGES =~ ^[1-9][0-9]*$ ]] || die "BENCH_MESSAGES must be a positive integer"
    [[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
    : "${BENCH_TIMEOUT:=$((60 + BENCH_MESSAGES / 200))}"
    [ -x "$CHABARD" ] || die "no chabard at $CHABARD (run make, or set CHABARD / top_builddir)"
    [ -x "$RESPONDER" ] || die "no responder at $RESPONDER (make bench/responder, or set RESPONDER)"
    local f
    for f in "$BEARERBOX" "$SMSBOX" "$FAKESMSC"; do
        [ -x "$f" ] || die "missing $f (Debian packages kannel and kannel-extras)"
    done
    command -v sqlite3 >/dev/null || die "sqlite3 not found"
    bench_setup
    CLK_TCK=$(getconf CLK_TCK)
    FAILED=0
    unset STACK_VIA_BOX # each target says how chabard connects
}

# kannel_header TITLE: what was measured, on what.
kannel_header() {
    printf '%s  %s\n' "$1" "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'machine: %s cores (%s), kernel %s\n' "$(nproc)" \
        "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(uname -r)"
    printf 'daemon:  %s (synchronous %s, log_level %s); Kannel %s; %d MOs per run, %d round(s), Kannel log level %s\n' \
        "$("$CHABARD" -V 2>&1 | head -n1)" "${CHABAR_SYNCHRONOUS:-full}" "${CHABAR_LOG_LEVEL:-info}" \
        "$(dpkg-query -W -f '${Version}' kannel 2>/dev/null || echo '?')" \
        "$BENCH_MESSAGES" "$BENCH_RUNS" "${KANNEL_LOG_LEVEL:-1}"
}

# kannel_start_responder TAG: bearerbox, smsbox and bench/responder, the
# sms-service pointed at the responder with the same query string on
# another port (smsbox does the same work building and sending it; the
# responder answers "ok" in one send).
kannel_start_responder() {
    local tag=$1 rport
    KANNEL_APP=responder
    rport=$(free_port) || return 1
    sed -i "s|127.0.0.1:$CHABAR_PORT/kannel/mo?|127.0.0.1:$rport/r?|" "$STACK_DIR/kannel.conf"
    if ! grep -Eq "^(get|post)-url = \"http://127.0.0.1:$rport/r\?" "$STACK_DIR/kannel.conf"; then
        stack_log "$tag: could not point kannel.conf at the responder"
        return 1
    fi
    stack_spawn responder TERM "$RESPONDER" "$rport"
    _stack_wait "$STACK_TIMEOUT" "$STACK_LAST_PID" responder \
        wait_http "http://127.0.0.1:$rport/" 1 200 && start_kannel
}

# last_reply_number FILE: N of the last "Got message N:" in fakesmsc's log.
# Reads only the file's tail, so polling stays cheap while Kannel runs.
last_reply_number() {
    tail -c 1024 "$1" 2>/dev/null |
        LC_ALL=C sed -n 's/.* Got message \([0-9]*\): .*/\1/p' | tail -n 1
}

# kannel_run_one TARGET ROUND: one fresh stack (kannel_target), one load
# of BENCH_MESSAGES MOs. Appends "TARGET ROUND mops secs cpu_us(bearerbox
# smsbox app load) ok batch_mean batch_p99 commit_p50_ms commit_p99_ms
# machine_cpu_us" to BENCH_DIR/results (machine_cpu_us: the whole machine's
# CPU per MO, whatever ran: a database server too) ("-" for a process that did not run); FAILED=1 if the run failed. Returns 1 if
# the stack did not start.
kannel_run_one() {
    local target=$1 round=$2 tag=$1-$2 n=$BENCH_MESSAGES
    local procs=(bearerbox smsbox app load) # app: chabard, or the responder

    # Fresh ports and files for every stack; stack_defaults refills these.
    unset KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT KANNEL_FAKE_PORT \
        KANNEL_SENDSMS_PORT CHABAR_PORT CHABAR_DB
    stack_init "$BENCH_DIR/$tag" || return 1
    write_kannel_conf || return 1
    KANNEL_APP=
    if ! kannel_target "$target" "$tag"; then
        stop_all
        return 1
    fi
    local -A pid before after
    local p app=$KANNEL_APP
    for p in bearerbox smsbox; do
        pid[$p]=$(stack_pid "$p" 2>/dev/null)
    done
    pid[app]=$(stack_pid "$app")

    # fakesmsc picks one of these lines at random for each MO: several
    # senders, like real traffic.  -v 0: it logs received MTs only at debug.
    local t0 t1= i lines=()
    local texts=("CHECKIN home" "CHECKIN work" "CHECKIN other" "HELP")
    for ((i = 0; i < BENCH_SENDERS; i++)); do
        lines+=("+99655$(printf '%07d' $((1000 + i))) 384 text ${texts[i % 4]}")
    done
    t0=$(now)
    stack_spawn load INT "$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" \
        -i 0 -m "$n" -v 0 \
        "${lines[@]}"
    pid[load]=$STACK_LAST_PID
    for p in bearerbox smsbox app; do
        [ -n "${pid[$p]}" ] && before[$p]=$(cpu_ticks "${pid[$p]}")
    done
    before[load]=0 # fakesmsc's whole life is the run
    local machine_before machine_after
    machine_before=$(machine_ticks)

    # Poll (20 Hz) until the N-th reply; the log's mtime is when it arrived.
    local log=$STACK_DIR/load.out got=0 end=$((SECONDS + BENCH_TIMEOUT))
    while :; do
        got=$(last_reply_number "$log")
        if [ "${got:-0}" -ge "$n" ]; then
            t1=$(stat -c %.9Y "$log")
            break
        fi
        for p in "${procs[@]}"; do
            if [ -n "${pid[$p]}" ] && ! _stack_alive "${pid[$p]}"; then
                stack_log "$tag: $p (pid ${pid[$p]}) died after ${got:-0} replies"
                break 2
            fi
        done
        if ((SECONDS >= end)); then
            stack_log "$tag: only ${got:-0} of $n replies after ${BENCH_TIMEOUT}s"
            break
        fi
        sleep 0.05
    done
    for p in "${procs[@]}"; do
        [ -n "${pid[$p]}" ] && after[$p]=$(cpu_ticks "${pid[$p]}" 2>/dev/null || echo 0)
    done
    machine_after=$(machine_ticks)

    # Anything Kannel or chabard complained about during the run (read
    # before stopping them: shutting down logs errors of its own).
    local kw cw=0 problems=no
    kw=$(grep -s -c -E '\] (ERROR|WARNING|PANIC):' "$STACK_DIR/smsbox.log" "$STACK_DIR/bearerbox.log" |
        awk -F: '{ s += $NF } END { print s + 0 }')
    [ "$app" = chabard ] && cw=$(grep -c 'level=\(warn\|error\)' "$STACK_DIR/chabard.out")
    if [ "$kw" != 0 ] || [ "$cw" != 0 ]; then
        stack_log "$tag: $kw Kannel warnings/errors, $cw chabard warnings/errors"
        grep -s -h -m3 -E '\] (ERROR|WARNING|PANIC):' "$STACK_DIR/smsbox.log" \
            "$STACK_DIR/bearerbox.log" | sed 's/^/#   /' >&2
        grep -m3 'level=\(warn\|error\)' "$STACK_DIR/chabard.out" 2>/dev/null | sed 's/^/#   /' >&2
        problems=yes
    fi

    local batch="- -" latency="- -"
    if [ "$app" = chabard ]; then
        batch=$(batch_stats "http://127.0.0.1:$CHABAR_PORT/metrics")
        latency=$(commit_latency "http://127.0.0.1:$CHABAR_PORT/metrics")
    fi

    # SIGINT makes fakesmsc print its own figures (a cross-check).
    stop_all
    local ok=yes secs mops stored=- ids replies
    [ "$problems" = no ] || ok=NO
    if [ -z "$t1" ]; then
        ok=NO
        secs=0 mops=0
    else
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        mops=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
        # more than N replies: some MO was answered twice
        replies=$(LC_ALL=C grep -c ' Got message [0-9]*: ' "$log")
        if [ "$replies" -gt "$n" ]; then
            stack_log "$tag: $replies replies to $n MOs"
            ok=NO
        fi
    fi
    if [ "$app" = chabard ]; then
        stored=$(stack_sql "SELECT count(*) FROM messages WHERE direction = 'in'")
        ids=$(stack_sql "SELECT count(DISTINCT network_id) FROM messages WHERE direction = 'in'")
        if [ "$stored" != "$n" ] || [ "$ids" != "$n" ]; then
            stack_log "$tag: $stored MOs stored ($ids distinct ids), expected $n"
            ok=NO
        fi
    fi
    # shellcheck disable=SC2034 # FAILED: the script's exit status
    [ "$ok" = yes ] || FAILED=1

    local cpu=()
    for p in "${procs[@]}"; do
        if [ -z "${pid[$p]}" ]; then
            cpu+=(-)
            continue
        fi
        cpu+=("$(awk -v t=$((after[$p] - before[$p])) -v hz="$CLK_TCK" -v n="$n" \
            'BEGIN { printf "%.1f", t * 1e6 / hz / n }')")
    done
    local own
    own=$(LC_ALL=C sed -n 's/.*fakesmsc: from first to last received message \(.*\)/\1/p' \
        "$log" | tail -n 1)
    local machine
    machine=$(awk -v t=$((machine_after - machine_before)) -v hz="$CLK_TCK" -v n="$n" \
        'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
    printf '%s %s %s %s %s %s %s %s %s %s %s %s\n' "$target" "$round" "$mops" "$secs" \
        "${cpu[@]}" "$ok" "$batch" "$latency" "$machine" >>"$BENCH_DIR/results"
    printf '# %-9s round %d: %5s MO/s (%s s for %d)  us/MO: bearerbox %s smsbox %s %s %s fakesmsc %s  stored %s  batch mean/p99 %s  commit ms p50/p99 %s  machine %s us/MO  %s\n' \
        "$target" "$round" "$mops" "$secs" "$n" "${cpu[0]}" "${cpu[1]}" "$app" "${cpu[2]}" \
        "${cpu[3]}" "$stored" "${batch/ //}" "${latency/ //}" "$machine" "$([ "$ok" = yes ] && echo ok || echo CHECK)" >&2
    [ -n "$own" ] && printf '#        fakesmsc itself: first to last reply %s\n' "$own" >&2
    return 0
}

# kannel_summary BASE TARGET BASE_LABEL TARGET_LABEL [more]: the medians of
# the runs that passed, TARGET / BASE round by round, and the last line
# "ratio=… chabard_cpu_us=… responder_cpu_us=… TARGET_per_s=… BASE_per_s=…
# batch_mean=… batch_p99=…"; with "more", then each target's CPU per MO of
# bearerbox and of the whole pipeline without fakesmsc (bearerbox, smsbox
# and the application): TARGET_bearerbox_cpu_us, BASE_bearerbox_cpu_us,
# BASE_smsbox_cpu_us, TARGET_pipeline_cpu_us, BASE_pipeline_cpu_us.
kannel_summary() {
    cat <<EOF

MO/s: first MO sent to N-th reply received.  us/MO: CPU time (user+system)
of each process over the run divided by the MOs ("all": bearerbox, smsbox
and the application); clock ticks are $((1000 / CLK_TCK)) ms, so small figures
carry about +-$(awk -v hz="$CLK_TCK" -v n="$BENCH_MESSAGES" 'BEGIN { printf "%.1f", 1e6 / hz / n }') us of rounding.  Failed runs are left out of the medians.
EOF
    awk -v runs="$BENCH_RUNS" -v base="$1" -v tgt="$2" -v lbase="$3" -v ltgt="$4" \
        -v more="${5:-}" "$BENCH_AWK_MEDIAN"'
function fig(list) { return list == "" ? "-" : sprintf("%.1f", median(list)) }
$9 == "yes" {
    t = $1
    if (!(t in seen)) { seen[t] = 1; order[++k] = t }
    mops[t] = mops[t] " " $3; rate[t, $2] = $3
    bb[t] = bb[t] " " $5; app[t] = app[t] " " $7; fk[t] = fk[t] " " $8
    if ($6 != "-") sb[t] = sb[t] " " $6
    all[t] = all[t] " " ($5 + $6 + $7)
    if ($10 != "-") { bmean = bmean " " $10; bp99 = bp99 " " $11 }
    if (!(t in lo) || $3 + 0 < lo[t]) lo[t] = $3 + 0
    if (!(t in hi) || $3 + 0 > hi[t]) hi[t] = $3 + 0
    good[t]++
}
$9 != "yes" { bad[$1]++ }
END {
    label[base] = lbase; label[tgt] = ltgt
    for (r = 1; r <= runs; r++)
        if (((tgt, r) in rate) && ((base, r) in rate) && rate[base, r] > 0)
            ratios = ratios " " sprintf("%.2f", rate[tgt, r] / rate[base, r])
    printf "\n%-30s %6s %13s %9s %9s %9s %9s %9s %5s\n", "target (median)", "MO/s", "min-max",
        "app", "smsbox", "bearerbox", "all", "fakesmsc", "runs"
    printf "%-30s %6s %13s %9s %9s %9s %9s %9s %5s\n", "", "", "", "us/MO", "us/MO", "us/MO",
        "us/MO", "us/MO", "ok"
    for (i = 1; i <= k; i++) {
        t = order[i]
        printf "%-30s %6.0f %6.0f-%-6.0f %9s %9s %9s %9s %9s %2d/%-2d\n", label[t],
            median(mops[t]), lo[t], hi[t], fig(app[t]), fig(sb[t]), fig(bb[t]), fig(all[t]),
            fig(fk[t]), good[t], good[t] + bad[t]
    }
    printf "\n%s / %s, round by round:%s\n", tgt, base, ratios
    printf "messages per commit: mean%s, p99%s (per chabard round)\n", bmean, bp99
    printf "ratio=%.2f chabard_cpu_us=%.1f responder_cpu_us=%.1f %s_per_s=%.0f %s_per_s=%.0f batch_mean=%s batch_p99=%s",
        median(ratios), median(app[tgt]), median(app[base]), tgt, median(mops[tgt]), base,
        median(mops[base]), bmean == "" ? "-" : median(bmean), bp99 == "" ? "-" : median(bp99)
    if (more != "")
        printf " %s_bearerbox_cpu_us=%s %s_bearerbox_cpu_us=%s %s_smsbox_cpu_us=%s %s_pipeline_cpu_us=%s %s_pipeline_cpu_us=%s",
            tgt, fig(bb[tgt]), base, fig(bb[base]), base, fig(sb[base]), tgt, fig(all[tgt]),
            base, fig(all[base])
    printf "\n"
}' "$BENCH_DIR/results"
}
