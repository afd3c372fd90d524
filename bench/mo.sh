#!/usr/bin/env bash
#
# bench/mo.sh - how much does chabard cost per inbound SMS?
#
# Run from the build directory (`make bench` does this):
#
#     bash bench/mo.sh
#     BENCH_SECONDS=5 BENCH_RUNS=1 bash bench/mo.sh      # quicker, noisier
#
# In production chabard shares a small machine with Kannel, and Kannel's
# smsbox is the bottleneck (one full core, ~130 us CPU per MO; see
# bench/README.md).  Every microsecond of CPU chabard spends per MO is taken
# from smsbox, so the figure that matters most here is chabard's CPU time per
# request; requests/s and latency come from a load generator (wrk) sharing
# the same cores and say more about the machine than about chabard.
#
# Four loads, each against a fresh chabard with a fresh database, so that
# peak RSS (VmHWM) and CPU time belong to that load alone:
#
#   health    GET /health: no write, one trivial SQLite read (the baseline)
#   mo        GET /kannel/mo with a new Kannel id every request, at
#             synchronous = normal (WAL): each request in a savepoint of
#             the loop turn's transaction (group commit, batch.h)
#   mo-open   the same with no flow that hides its sender (the tip flows
#             taken out): the difference is what deciding, for every MO,
#             whether its sender is hidden costs (tip.h: an alias hashed,
#             the alias's session and a repeat under it looked up)
#   mo-full   the same at synchronous = full, chabard's default (an fsync
#             per commit, shared by the requests of a turn)
#   mo-dup    every request repeats one already stored id: the duplicate
#             path (what a Kannel retry costs).  chabard inserts first, the
#             unique (sender, channel, id) refuses the row, and the earlier
#             reply is read: nothing reaches the WAL.
#
# The last line holds the figures for scripts (name=value): each MO load's
# req/s as a ratio to /health's, CPU us per request, and the messages per
# commit (mean, p99) of the mo-full load.
#
# The loads are interleaved (health, mo, mo-full, mo-dup, then again) for
# BENCH_RUNS rounds and the medians are printed, so slow drift of the machine
# hits every load alike.
#
# Settings (environment):
#   BENCH_SECONDS      length of each wrk run (default 10)
#   BENCH_RUNS         rounds; the table shows medians (default 3)
#   BENCH_CONNECTIONS  wrk connections (default 64 = smsbox's
#                      max-pending-requests in contrib/kannel.conf)
#   BENCH_KEEP         1: keep the temporary directory (logs, wrk output)
#   CHABARD, top_builddir, CHABAR_LOG_LEVEL: as in tests/lib/stack.sh
#                      (chabard logs one line per request at info, as in
#                      production; that cost is part of the figure)
#   WRK                the wrk binary (default: wrk from PATH)
#
# Exit status: 0 when every run completed and every MO was stored exactly
# once; 1 otherwise (the table is still printed).

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || exit 1

: "${BENCH_SECONDS:=10}"
: "${BENCH_RUNS:=3}"
: "${BENCH_CONNECTIONS:=64}"
: "${BENCH_KEEP:=0}"
: "${WRK:=wrk}"
: "${CHABARD:=${top_builddir:-.}/gateway/chabard}"
export CHABARD

MODES=(health mo mo-open mo-full mo-dup)


command -v "$WRK" >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
command -v sqlite3 >/dev/null || die "sqlite3 not found"
[ -x "$CHABARD" ] || die "no chabard at $CHABARD (run make, or set CHABARD / top_builddir)"
[[ $BENCH_SECONDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive integer"
[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"

bench_setup
stack_init "$BENCH_DIR" || exit 1
# the shipped flows without those that hide their sender (mo-open)
stack_defaults || exit 1
mkdir -p "$BENCH_DIR/flows-open" && cp "$CHABAR_FLOWS"/*.flow "$BENCH_DIR/flows-open/" ||
    die "cannot copy the flows"
grep -l '^ *sender hidden' "$BENCH_DIR"/flows-open/*.flow | xargs -r rm -f

CLK_TCK=$(getconf CLK_TCK)

# --------------------------------------------------------------------------
# The wrk script.  One Lua state per wrk thread; request() runs once per
# request written, so a counter in it gives every request its own Kannel id
# (%I is a UUID in real life: the id keeps that shape and length).  The
# sender varies with the counter, as real traffic would spread over many
# numbers.  done() prints how many requests were written, which exceeds
# wrk's "requests" (completed) by the ones still in flight when the time ran
# out: chabard answers and stores those too.  wrk calls request() once more
# than it sends, at start-up, to check the script (script_verify_request in
# wrk.c): that call is not counted.
cat >"$BENCH_DIR/mo.lua" <<'EOF'
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    mode, key, token = args[1], args[2], args[3]
    sent = 0
end

function request()
    sent = sent + 1
    if mode == "health" then
        return wrk.format("GET", "/health")
    end
    local n = sent
    if mode == "mo-dup" then
        n = 0 -- the id stored before the run: always a repeat
    end
    local from = string.format("996555%06d", n % 1000000)
    local id = string.format("%s-%012x", token, n)
    return wrk.format("GET", "/kannel/mo?key=" .. key .. "&from=" .. from ..
        "&to=384&text=CHECKIN+home&id=" .. id .. "&coding=0")
end

function done(summary, latency, requests)
    local written = 0
    for _, t in ipairs(threads) do
        written = written + t:get("sent")
    end
    io.write(string.format("bench-written: %d\n", written - 1))
end
EOF




# parse_wrk FILE: "completed non2xx sockerr reqps p50us p99us written"
#   from wrk --latency output plus our done() line.  Non-2xx is wrk's
#   "Non-2xx or 3xx responses" (absent when zero); socket errors add up
#   connect/read/write/timeout.
parse_wrk() {
    local f=$1 completed non2xx sockerr reqps p50 p99 written
    completed=$(awk '/ requests in / { print $1 }' "$f")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$f")
    sockerr=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$f")
    reqps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
    p50=$(awk '/^ +50% / { print $2 }' "$f")
    p99=$(awk '/^ +99% / { print $2 }' "$f")
    written=$(awk '/^bench-written:/ { print $2 }' "$f")
    [ -n "$completed" ] && [ -n "$reqps" ] && [ -n "$p50" ] && [ -n "$p99" ] || return 1
    printf '%s %s %s %s %s %s %s\n' "$completed" "${non2xx:-0}" "${sockerr:-0}" \
        "$reqps" "$(to_us "$p50")" "$(to_us "$p99")" "${written:-?}"
}

# --------------------------------------------------------------------------
# run_one MODE ROUND
#   Start a fresh chabard for MODE, load it with wrk, and append one result
#   line to BENCH_DIR/results:
#   "MODE ROUND reqps p50us p99us cpu_us_per_req hwm_kb completed written non2xx sockerr stored ok"
FAILED=0
run_one() {
    local mode=$1 round=$2 sync=normal
    [ "$mode" = mo-full ] && sync=full
    local tag=$mode-$round
    local token
    token=$(stack_uuid)
    token=${token%-*} # the UUID without its last group: the counter goes there

    # A fresh port and database each time; the rest of the config is shared.
    CHABAR_PORT=$(free_port) || return 1
    CHABAR_DB=$BENCH_DIR/$tag.db
    CHABAR_SYNCHRONOUS=$sync
    local flows=$CHABAR_FLOWS
    [ "$mode" = mo-open ] && CHABAR_FLOWS=$BENCH_DIR/flows-open
    write_chabar_conf "$BENCH_DIR/$tag.conf" || return 1
    CHABAR_FLOWS=$flows
    : >"$BENCH_DIR/chabard.out"
    if ! start_chabard "$BENCH_DIR/$tag.conf"; then
        stop_all
        return 1
    fi
    local pid
    pid=$(stack_pid chabard)
    local base="http://127.0.0.1:$CHABAR_PORT"

    if [ "$mode" = mo-dup ]; then
        # Store the id every request will repeat (counter 0 in mo.lua).
        local code
        code=$(stack_curl -o /dev/null -w '%{http_code}' \
            "$base/kannel/mo?key=$CHABAR_KEY&from=996555000000&to=384&text=CHECKIN+home&id=$token-000000000000&coding=0")
        if [ "$code" != 200 ]; then
            stack_log "$tag: seeding the repeated id answered $code"
            stop_all
            return 1
        fi
    fi

    local before after
    before=$(cpu_ticks "$pid")
    # wrk stops itself after -d; timeout is only the safety net.
    timeout -k 5 $((BENCH_SECONDS + 30)) "$WRK" -t1 -c"$BENCH_CONNECTIONS" \
        -d"${BENCH_SECONDS}s" --latency -s "$BENCH_DIR/mo.lua" "$base" \
        -- "$mode" "$CHABAR_KEY" "$token" >"$BENCH_DIR/$tag.wrk" 2>&1
    local rc=$?
    after=$(cpu_ticks "$pid")
    local hwm
    hwm=$(vm_hwm_kb "$pid")
    if [ "$rc" != 0 ]; then
        stack_log "$tag: wrk exited with $rc"
        stack_tail "$BENCH_DIR/$tag.wrk"
    fi

    local parsed
    if ! parsed=$(parse_wrk "$BENCH_DIR/$tag.wrk"); then
        stack_log "$tag: could not parse wrk's output"
        stack_tail "$BENCH_DIR/$tag.wrk"
        stop_all
        return 1
    fi
    local completed non2xx sockerr reqps p50 p99 written
    read -r completed non2xx sockerr reqps p50 p99 written <<<"$parsed"

    local batch="- -"
    [ "$mode" = health ] || batch=$(batch_stats "$base/metrics")
    # Stop chabard before counting: SIGTERM lets it finish what is in
    # flight, so the count is final.
    stop_all
    local stored expect ok=yes
    stored=$(stack_sql "SELECT count(*) FROM messages WHERE direction = 'in'")
    case $mode in
    health) expect=0 ;;
    mo-dup) expect=1 ;;
    # Every written request that did not fail is stored exactly once.
    *) expect=$((written - non2xx)) ;;
    esac
    if [ "$stored" != "$expect" ]; then
        stack_log "$tag: $stored MOs stored, expected $expect" \
            "(completed $completed, written $written, non-2xx $non2xx)"
        ok=NO
    fi
    if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
        stack_log "$tag: $non2xx non-2xx responses, $sockerr socket errors"
        ok=NO
    fi
    local problems
    problems=$(chabard_problems "$BENCH_DIR/chabard.out" | wc -l)
    if [ "$problems" != 0 ]; then
        stack_log "$tag: chabard logged $problems warnings/errors"
        chabard_problems "$BENCH_DIR/chabard.out" | head -n3 | sed 's/^/#   /' >&2
        ok=NO
    fi
    [ "$ok" = yes ] || FAILED=1

    local cpu_us
    cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$completed" \
        'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }')
    printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$mode" "$round" "$reqps" "$p50" \
        "$p99" "$cpu_us" "$hwm" "$completed" "$written" "$non2xx" "$sockerr" \
        "$stored" "$ok" "$batch" >>"$BENCH_DIR/results"
    printf '# %-8s round %d: %9s req/s  p50 %6s us  p99 %7s us  cpu %6s us/req  stored %s/%s  batch mean/p99 %s %s\n' \
        "$mode" "$round" "$reqps" "$p50" "$p99" "$cpu_us" "$stored" "$written" "${batch/ //}" \
        "$([ "$ok" = yes ] && echo ok || echo CHECK)" >&2
    rm -f "$BENCH_DIR/$tag.db" "$BENCH_DIR/$tag.db-wal" "$BENCH_DIR/$tag.db-shm"
}

# --------------------------------------------------------------------------
version=$("$CHABARD" -V 2>&1 | head -n1)
printf 'chabar MO benchmark  %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'machine: %s cores (%s), kernel %s, database on %s\n' "$(nproc)" \
    "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(uname -r)" \
    "$(stat -f -c %T "$BENCH_DIR")"
printf 'daemon:  %s (log_level %s); client: %s -t1 -c%s -d%ss, keep-alive, %s round(s)\n' \
    "$version" "${CHABAR_LOG_LEVEL:-info}" "$("$WRK" -v 2>&1 | awk 'NR == 1 { print $1, $2 }')" \
    "$BENCH_CONNECTIONS" "$BENCH_SECONDS" "$BENCH_RUNS"

bench_rounds "${MODES[@]}"

# --------------------------------------------------------------------------
# The table: per load, the median of each column over the rounds (each
# column on its own, so a row need not be one actual run), and the spread
# of req/s.  Ratios are against the median /health req/s and CPU.
cat <<EOF

req/s and latency: wrk and chabard share $(nproc) cores, so these depend on the
machine.  cpu us/r = chabard's utime+stime per completed request, the cost
taken from Kannel's smsbox on a shared host; cpu-hlth = that minus /health's.
"stored" must equal "written" minus errors for the MO loads (wrk's
"completed" misses the requests in flight when its time ran out).
EOF

awk -v runs="$BENCH_RUNS" "$BENCH_AWK_MEDIAN"'
{
    m = $1
    if (!(m in seen)) { seen[m] = 1; order[++k] = m }
    rps[m] = rps[m] " " $3; p50[m] = p50[m] " " $4; p99[m] = p99[m] " " $5
    cpu[m] = cpu[m] " " $6; hwm[m] = hwm[m] " " $7
    if (!(m in lo) || $3 + 0 < lo[m]) lo[m] = $3 + 0
    if (!(m in hi) || $3 + 0 > hi[m]) hi[m] = $3 + 0
    n[m]++; comp[m] += $8; wr[m] += $9; bad[m] += $10 + $11; st[m] += $12
    if ($13 != "yes") nok[m]++
    if ($14 != "-") { bmean[m] = bmean[m] " " $14; bp99[m] = bp99[m] " " $15 }
}
END {
    label["health"] = "GET /health (baseline)"
    label["mo"] = "MO, new id (sync=normal)"
    label["mo-open"] = "MO, no hidden flow"
    label["mo-full"] = "MO, new id (sync=full)"
    label["mo-dup"] = "MO, repeated id"
    base = median(rps["health"]); basecpu = median(cpu["health"])
    printf "\n%-24s %9s %15s %6s %8s %8s %9s %9s %9s %8s\n", "load (median of " runs ")",
        "req/s", "min-max", "x/hlth", "p50 us", "p99 us", "cpu us/r", "cpu-hlth", "peak RSS", "checks"
    for (i = 1; i <= k; i++) {
        m = order[i]; r = median(rps[m]); c = median(cpu[m])
        printf "%-24s %9.0f %7.0f-%-7.0f %6s %8.0f %8.0f %9.1f %9s %7.1fM %8s\n", label[m], r,
            lo[m], hi[m], base ? sprintf("%.2f", r / base) : "-", median(p50[m]),
            median(p99[m]), c, (m == "health") ? "-" : sprintf("%+.1f", c - basecpu),
            median(hwm[m]) / 1024, nok[m] ? nok[m] " bad" : "ok"
    }
    printf "\n%-24s %12s %12s %12s %12s\n", "totals over all rounds", "completed", "written", "stored", "errors"
    for (i = 1; i <= k; i++) {
        m = order[i]
        printf "%-24s %12d %12d %12d %12d\n", label[m], comp[m], wr[m], st[m], bad[m]
    }
    printf "\nmessages per commit (mean, p99):"
    for (i = 1; i <= k; i++)
        if (order[i] in bmean)
            printf "  %s %s, %s", order[i], median(bmean[order[i]]), median(bp99[order[i]])
    printf "\n"
    printf "mo_ratio=%.2f mo_full_ratio=%.2f mo_dup_ratio=%.2f health_cpu_us=%.1f mo_cpu_us=%.1f mo_full_cpu_us=%.1f batch_mean=%s batch_p99=%s mo_open_cpu_us=%.1f hidden_check_us=%.1f\n",
        median(rps["mo"]) / base, median(rps["mo-full"]) / base, median(rps["mo-dup"]) / base,
        basecpu, median(cpu["mo"]), median(cpu["mo-full"]), median(bmean["mo-full"]),
        median(bp99["mo-full"]), median(cpu["mo-open"]), median(cpu["mo"]) - median(cpu["mo-open"])
}' "$BENCH_DIR/results"

if [ "$FAILED" != 0 ]; then
    echo "bench/mo.sh: some runs failed or did not check out (see the lines marked CHECK above)" >&2
    exit 1
fi
exit 0
