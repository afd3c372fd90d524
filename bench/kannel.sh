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

: "${BENCH_MESSAGES:=20000}"
: "${BENCH_RUNS:=3}"
: "${BENCH_KEEP:=0}"
: "${CHABARD:=${top_builddir:-.}/gateway/chabard}"
: "${RESPONDER:=${top_builddir:-.}/bench/responder}"
export CHABARD


[[ $BENCH_MESSAGES =~ ^[1-9][0-9]*$ ]] || die "BENCH_MESSAGES must be a positive integer"
[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
: "${BENCH_TIMEOUT:=$((60 + BENCH_MESSAGES / 200))}"
[ -x "$CHABARD" ] || die "no chabard at $CHABARD (run make, or set CHABARD / top_builddir)"
[ -x "$RESPONDER" ] || die "no responder at $RESPONDER (make bench/responder, or set RESPONDER)"
for f in "$BEARERBOX" "$SMSBOX" "$FAKESMSC"; do
    [ -x "$f" ] || die "missing $f (Debian packages kannel and kannel-extras)"
done
command -v sqlite3 >/dev/null || die "sqlite3 not found"

bench_setup

CLK_TCK=$(getconf CLK_TCK)
PROCS=(bearerbox smsbox app load) # app: chabard, or the responder

# last_reply_number FILE: N of the last "Got message N:" in fakesmsc's log.
# Reads only the file's tail, so polling stays cheap while Kannel runs.
last_reply_number() {
    tail -c 1024 "$1" 2>/dev/null |
        LC_ALL=C sed -n 's/.* Got message \([0-9]*\): .*/\1/p' | tail -n 1
}

# --------------------------------------------------------------------------
# run_one TARGET ROUND: one full stack, one load of BENCH_MESSAGES MOs.
# Appends "TARGET ROUND mops secs cpu_us(bearerbox smsbox app load) ok
# batch_mean batch_p99" to BENCH_DIR/results.
FAILED=0
run_one() {
    local target=$1 round=$2 tag=$1-$2 n=$BENCH_MESSAGES

    # Fresh ports and files for every stack; stack_defaults refills these.
    unset KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT KANNEL_FAKE_PORT \
        KANNEL_SENDSMS_PORT CHABAR_PORT CHABAR_DB
    stack_init "$BENCH_DIR/$tag" || return 1
    write_kannel_conf || return 1
    local -A pid before after
    local p app=chabard
    if [ "$target" = responder ]; then
        # Same query string on another port: smsbox does the same work
        # building and sending it; the responder answers "ok".
        app=responder
        local rport
        rport=$(free_port) || return 1
        sed -i "s|127.0.0.1:$CHABAR_PORT/kannel/mo?|127.0.0.1:$rport/r?|" "$STACK_DIR/kannel.conf"
        if ! grep -Eq "^(get|post)-url = \"http://127.0.0.1:$rport/r\?" "$STACK_DIR/kannel.conf"; then
            stack_log "$tag: could not point kannel.conf at the responder"
            return 1
        fi
        stack_spawn responder TERM "$RESPONDER" "$rport"
        if ! _stack_wait "$STACK_TIMEOUT" "$STACK_LAST_PID" responder \
            wait_http "http://127.0.0.1:$rport/" 1 200 || ! start_kannel; then
            stop_all
            return 1
        fi
    else
        write_chabar_conf "$STACK_DIR/chabar.conf" || return 1
        if ! start_kannel || ! start_chabard "$STACK_DIR/chabar.conf"; then
            stop_all
            return 1
        fi
    fi
    for p in bearerbox smsbox; do
        pid[$p]=$(stack_pid "$p")
    done
    pid[app]=$(stack_pid "$app")

    # fakesmsc picks one of these lines at random for each MO: several
    # senders, like real traffic.  -v 0: it logs received MTs only at debug.
    local t0 t1=
    t0=$(now)
    stack_spawn load INT "$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" \
        -i 0 -m "$n" -v 0 \
        "+996555000001 384 text CHECKIN home" \
        "+996555000002 384 text CHECKIN work" \
        "+996700000003 384 text CHECKIN other" \
        "+996770000004 384 text HELP"
    pid[load]=$STACK_LAST_PID
    for p in bearerbox smsbox app; do
        before[$p]=$(cpu_ticks "${pid[$p]}")
    done
    before[load]=0 # fakesmsc's whole life is the run

    # Poll (20 Hz) until the N-th reply; the log's mtime is when it arrived.
    local log=$STACK_DIR/load.out got=0 end=$((SECONDS + BENCH_TIMEOUT))
    while :; do
        got=$(last_reply_number "$log")
        if [ "${got:-0}" -ge "$n" ]; then
            t1=$(stat -c %.9Y "$log")
            break
        fi
        for p in "${PROCS[@]}"; do
            if ! _stack_alive "${pid[$p]}"; then
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
    for p in "${PROCS[@]}"; do
        after[$p]=$(cpu_ticks "${pid[$p]}" 2>/dev/null || echo 0)
    done

    # Anything Kannel or chabard complained about during the run (read
    # before stopping them: shutting down logs errors of its own).
    local kw cw problems=no
    kw=$(grep -c -E '\] (ERROR|WARNING|PANIC):' "$STACK_DIR/smsbox.log" "$STACK_DIR/bearerbox.log" |
        awk -F: '{ s += $NF } END { print s + 0 }')
    cw=0
    [ "$app" = chabard ] && cw=$(grep -c 'level=\(warn\|error\)' "$STACK_DIR/chabard.out")
    if [ "$kw" != 0 ] || [ "$cw" != 0 ]; then
        stack_log "$tag: $kw Kannel warnings/errors, $cw chabard warnings/errors"
        grep -h -m3 -E '\] (ERROR|WARNING|PANIC):' "$STACK_DIR/smsbox.log" \
            "$STACK_DIR/bearerbox.log" | sed 's/^/#   /' >&2
        grep -m3 'level=\(warn\|error\)' "$STACK_DIR/chabard.out" | sed 's/^/#   /' >&2
        problems=yes
    fi

    local batch="- -"
    [ "$target" = mo ] && batch=$(batch_stats "http://127.0.0.1:$CHABAR_PORT/metrics")

    # SIGINT makes fakesmsc print its own figures (a cross-check).
    stop_all
    local ok=yes secs mops stored ids
    [ "$problems" = no ] || ok=NO
    if [ -z "$t1" ]; then
        ok=NO
        secs=0 mops=0
    else
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        mops=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
    fi
    if [ "$target" = mo ]; then
        stored=$(stack_sql "SELECT count(*) FROM messages WHERE direction = 'in'")
        ids=$(stack_sql "SELECT count(DISTINCT network_id) FROM messages WHERE direction = 'in'")
        if [ "$stored" != "$n" ] || [ "$ids" != "$n" ]; then
            stack_log "$tag: $stored MOs stored ($ids distinct ids), expected $n"
            ok=NO
        fi
    else
        stored=-
    fi
    [ "$ok" = yes ] || FAILED=1

    local cpu=()
    for p in "${PROCS[@]}"; do
        cpu+=("$(awk -v t=$((after[$p] - before[$p])) -v hz="$CLK_TCK" -v n="$n" \
            'BEGIN { printf "%.1f", t * 1e6 / hz / n }')")
    done
    local own
    own=$(LC_ALL=C sed -n 's/.*fakesmsc: from first to last received message \(.*\)/\1/p' \
        "$STACK_DIR/load.out" | tail -n 1)
    printf '%s %s %s %s %s %s %s %s %s %s\n' "$target" "$round" "$mops" "$secs" \
        "${cpu[@]}" "$ok" "$batch" >>"$BENCH_DIR/results"
    printf '# %-9s round %d: %5s MO/s (%s s for %d)  us/MO: bearerbox %s smsbox %s %s %s fakesmsc %s  stored %s  batch mean/p99 %s  %s\n' \
        "$target" "$round" "$mops" "$secs" "$n" "${cpu[0]}" "${cpu[1]}" "$app" "${cpu[2]}" \
        "${cpu[3]}" "$stored" "${batch/ //}" "$([ "$ok" = yes ] && echo ok || echo CHECK)" >&2
    [ -n "$own" ] && printf '#        fakesmsc itself: first to last reply %s\n' "$own" >&2
    return 0
}

# --------------------------------------------------------------------------
printf 'chabar end-to-end benchmark through Kannel  %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'machine: %s cores (%s), kernel %s\n' "$(nproc)" \
    "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(uname -r)"
printf 'daemon:  %s (synchronous %s, log_level %s); Kannel %s; %d MOs per run, %d round(s), Kannel log level %s\n' \
    "$("$CHABARD" -V 2>&1 | head -n1)" "${CHABAR_SYNCHRONOUS:-full}" "${CHABAR_LOG_LEVEL:-info}" \
    "$(dpkg-query -W -f '${Version}' kannel 2>/dev/null || echo '?')" \
    "$BENCH_MESSAGES" "$BENCH_RUNS" "${KANNEL_LOG_LEVEL:-1}"

: >"$BENCH_DIR/results"
for ((round = 1; round <= BENCH_RUNS; round++)); do
    for target in responder mo; do
        if ! run_one "$target" "$round"; then
            stack_log "$target round $round: the stack did not start"
            FAILED=1
        fi
    done
done

cat <<EOF

MO/s: first MO sent to N-th reply received.  us/MO: CPU time (user+system)
of each process over the run divided by the MOs; clock ticks are
$((1000 / CLK_TCK)) ms, so small figures (chabard's) carry about
+-$(awk -v hz="$CLK_TCK" -v n="$BENCH_MESSAGES" 'BEGIN { printf "%.1f", 1e6 / hz / n }') us of rounding.  Failed runs are left out of the medians.
EOF

awk -v runs="$BENCH_RUNS" "$BENCH_AWK_MEDIAN"'
$9 == "yes" {
    t = $1
    if (!(t in seen)) { seen[t] = 1; order[++k] = t }
    mops[t] = mops[t] " " $3; rate[t, $2] = $3
    bb[t] = bb[t] " " $5; sb[t] = sb[t] " " $6; app[t] = app[t] " " $7; fk[t] = fk[t] " " $8
    if ($10 != "-") { bmean = bmean " " $10; bp99 = bp99 " " $11 }
    if (!(t in lo) || $3 + 0 < lo[t]) lo[t] = $3 + 0
    if (!(t in hi) || $3 + 0 > hi[t]) hi[t] = $3 + 0
    good[t]++
}
$9 != "yes" { bad[$1]++ }
END {
    label["responder"] = "Kannel -> responder"
    label["mo"] = "Kannel -> /kannel/mo"
    for (r = 1; r <= runs; r++)
        if ((("mo", r) in rate) && (("responder", r) in rate) && rate["responder", r] > 0)
            ratios = ratios " " rate["mo", r] / rate["responder", r]
    printf "\n%-22s %6s %13s %11s %11s %11s %11s %5s\n", "target (median)", "MO/s", "min-max",
        "app", "smsbox", "bearerbox", "fakesmsc", "runs"
    printf "%-22s %6s %13s %11s %11s %11s %11s %5s\n", "", "", "", "us/MO", "us/MO", "us/MO",
        "us/MO", "ok"
    for (i = 1; i <= k; i++) {
        t = order[i]
        printf "%-22s %6.0f %6.0f-%-6.0f %11.1f %11.1f %11.1f %11.1f %2d/%-2d\n", label[t],
            median(mops[t]), lo[t], hi[t], median(app[t]), median(sb[t]), median(bb[t]),
            median(fk[t]), good[t], good[t] + bad[t]
    }
    printf "\nmo / responder, round by round:%s\n", ratios
    printf "messages per commit: mean%s, p99%s (per mo round)\n", bmean, bp99
    printf "ratio=%.2f chabard_cpu_us=%.1f responder_cpu_us=%.1f mo_per_s=%.0f responder_per_s=%.0f batch_mean=%s batch_p99=%s\n",
        median(ratios), median(app["mo"]), median(app["responder"]), median(mops["mo"]),
        median(mops["responder"]), bmean == "" ? "-" : median(bmean), bp99 == "" ? "-" : median(bp99)
}' "$BENCH_DIR/results"

if [ "$FAILED" != 0 ]; then
    echo "bench/kannel.sh: some runs failed (see the lines marked CHECK above)" >&2
    exit 1
fi
exit 0
