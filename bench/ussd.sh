#!/usr/bin/env bash
#
# bench/ussd.sh - what does a USSD step through an aggregator cost chabard,
# with 10,000 sessions live?  (issue 5)
#
# Run from the build directory (`make bench-ussd` does this):
#
#     bash bench/ussd.sh
#     BENCH_SECONDS=5 BENCH_RUNS=1 bash bench/ussd.sh     # quicker, noisier
#
# The target from the issue: p99 under 10 ms at 1,000 steps/s, and chabard's
# peak RSS under 64 MiB, while 10,000 USSD sessions are live.
#
# Every load gets a fresh chabard with a fresh database.  Before it is
# measured, BENCH_SESSIONS (10,000) sessions are opened over HTTP: the first
# step (the dial, text empty) of as many aggregator sessions, each from its
# own number, sent by curl --parallel.  They are real sessions written by
# chabard itself, waiting at the language menu, and they stay live through
# the load ([ussd] step_timeout = 600 s, total_timeout = 3600 s); chabard's
# /metrics must count all of them before the load and the database must
# still hold all of them after it.  The load then POSTs /ussd/at steps of the
# language flow (USSD code *384*3#, flows/language.flow), 3 steps a session:
#
#   text ""     the dial             -> CON the language menu
#   text "9"    an invalid answer    -> CON the retry text
#   text "9*2"  "2" (Russian)        -> END "language changed" (in Russian)
#
# every session with a new random session id and its own phone number.  Each
# step is one SQLite transaction, committed before the reply: the inbound
# and outbound rows in `messages`, the session written (or deleted at END),
# and at END the language in `contacts`.
#
# Four loads, interleaved for BENCH_RUNS rounds:
#
#   health-rate  GET /health at BENCH_RATE requests/s (the baseline)
#   ussd-rate    aggregator steps at BENCH_RATE steps/s (default 1,000)
#   health-max   GET /health as fast as wrk goes
#   ussd-max     aggregator steps as fast as wrk goes (the ceiling)
#
# How wrk is driven.  A session's steps must arrive in order, one after the
# other, as an aggregator sends them; wrk's Lua cannot tell its connections
# apart, so every wrk thread has exactly one connection (-tN -cN) and its own
# Lua state walks its sessions step by step, moving on when the response
# arrives.  The response body is checked too: the wrong page (for example
# the retry text where the menu was due) counts as an error.
#
# The rate limit: wrk2 is not in Debian, so each connection paces itself
# with wrk's delay() hook.  It keeps an absolute schedule (clock_gettime
# through LuaJIT's ffi) of one request every BENCH_RATE_CONNECTIONS / BENCH_RATE
# seconds on average, jittered uniformly between 0.5 and 1.5 intervals, so
# the connections do not march in step.  Latency overheads do not add up,
# and the achieved rate (wrk's completed requests / s) is reported.  The
# latency is wrk's, from the moment a request is written: a stall that
# delays later requests is not charged to them (wrk2 would), so p99 here is
# an optimistic figure when the server stalls for longer than an interval.
#
# Settings (environment):
#   BENCH_SECONDS           length of each wrk run (default 10)
#   BENCH_RUNS              rounds; the table shows medians (default 3)
#   BENCH_RATE              the rate-limited loads' target, requests/s (1000)
#   BENCH_RATE_CONNECTIONS  connections (= wrk threads) for those (10)
#   BENCH_CONNECTIONS       connections (= wrk threads) for the unlimited
#                           loads (16: enough to keep single-threaded chabard
#                           busy; every one is a wrk thread)
#   BENCH_SESSIONS          live sessions opened before each load (10000)
#   BENCH_KEEP              1: keep the temporary directory (logs, wrk output)
#   CHABARD, top_builddir, CHABAR_LOG_LEVEL: as in tests/lib/stack.sh
#                           (info: one log line per request, as in production)
#   WRK                     the wrk binary (default: wrk from PATH)
#
# Exit status: 0 when every run completed, every step got the page it should
# and was stored exactly once, and the live sessions survived; 1 otherwise
# (the table is still printed).

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh" || exit 1

: "${BENCH_SECONDS:=10}"
: "${BENCH_RUNS:=3}"
: "${BENCH_RATE:=1000}"
: "${BENCH_RATE_CONNECTIONS:=10}"
: "${BENCH_CONNECTIONS:=16}"
: "${BENCH_SESSIONS:=10000}"
: "${BENCH_KEEP:=0}"
: "${WRK:=wrk}"
: "${CHABARD:=${top_builddir:-.}/gateway/chabard}"
export CHABARD

MODES=(health-rate ussd-rate health-max ussd-max)

command -v "$WRK" >/dev/null || die "wrk not found (Debian: apt-get install wrk)"
command -v sqlite3 >/dev/null || die "sqlite3 not found"
command -v curl >/dev/null || die "curl not found"
[ -x "$CHABARD" ] || die "no chabard at $CHABARD (run make, or set CHABARD / top_builddir)"
for v in BENCH_SECONDS BENCH_RUNS BENCH_RATE BENCH_RATE_CONNECTIONS BENCH_CONNECTIONS \
    BENCH_SESSIONS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
((BENCH_CONNECTIONS <= 99 && BENCH_RATE_CONNECTIONS <= 99)) ||
    die "at most 99 connections (each is a wrk thread, and its number is in the phone numbers)"
((BENCH_SESSIONS <= 99999999)) || die "BENCH_SESSIONS: at most 99,999,999"

bench_setup
stack_init "$BENCH_DIR" || exit 1

CLK_TCK=$(getconf CLK_TCK)
USSD_KEY=$(_stack_secret)
CHABAR_CONF_EXTRA=$(printf '[ussd]\nkey = %s\nstep_timeout = 600\ntotal_timeout = 3600\n' "$USSD_KEY")
# What each step must answer: the start of the page (first line; the retry
# text up to its {tries}).  The last step chose Russian, so it is in Russian.
: "${CHABAR_LOCALES:=$STACK_SRCDIR/locales}"
: "${CHABAR_LANGUAGE:=en}"
EXPECT0="CON $(catalog_text "$CHABAR_LANGUAGE" language.menu)"
EXPECT1="CON $(catalog_text "$CHABAR_LANGUAGE" language.invalid)"
EXPECT1=${EXPECT1%%\{*}
EXPECT2="END $(catalog_text ru language.set)"
for v in EXPECT0 EXPECT1 EXPECT2; do
    [ "${!v#* }" != "" ] || die "no catalog text for $v in $CHABAR_LOCALES"
done

# --------------------------------------------------------------------------
# The wrk script.  One Lua state per wrk thread, and one connection per
# thread (see above).  The thread number (setup, in wrk's main Lua state)
# goes into the phone numbers: 9965TTNNNNNN, TT the thread, NNNNNN its
# session counter; the pre-opened sessions are 9967NNNNNNNN, so they never
# meet.  A session id is TOKEN-T-N, TOKEN new for every load.
#
# request() counts what it writes; wrk calls it once more on thread 1, at
# start-up, to check the script (script_verify_request in wrk.c): that call
# is not counted.  The step advances in response(), so that call changes
# nothing else.  done() prints the written requests (more than wrk's
# "requests", which counts the completed ones: those in flight when time ran
# out are answered and stored too), the wrong pages, the sessions ended, and
# more of the latency tail (p90, p98, p99.9 and max, in us).
cat >"$BENCH_DIR/ussd.lua" <<'EOF'
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local count = 0

function setup(thread)
    count = count + 1
    thread:set("id", count)
    table.insert(threads, thread)
end

local texts = { "", "9", "9%2A2" }

local function new_session()
    n = n + 1
    local k = n % 1000000
    prefix = "sessionId=" .. token .. "-" .. id .. "-" .. n ..
        "&serviceCode=%2A384%2A3%23&phoneNumber=%2B9965" ..
        string.format("%02d%06d", id, k) .. "&networkCode=43709&text="
end

function init(args)
    mode, key, token = args[1], args[2], args[3]
    interval = tonumber(args[4]) -- ms between requests of this connection, 0: none
    expect = { args[5], args[6], args[7] }
    sent, bad, ended, n, step = 0, 0, 0, 0, 1
    badsample = ""
    math.randomseed(id * 7919 + os.time())
    if mode == "ussd" then
        path = "/ussd/at?key=" .. key
        hdrs = { ["Content-Type"] = "application/x-www-form-urlencoded" }
        new_session()
        -- only the USSD load looks at the bodies (wrk parses them only
        -- when response() exists)
        response = function(status, headers, body)
            local want = expect[step]
            if status ~= 200 or body:sub(1, #want) ~= want then
                bad = bad + 1
                if badsample == "" then
                    badsample = "step " .. step .. ": " .. status .. " " ..
                        body:sub(1, 60):gsub("\n", "|")
                end
            end
            step = step + 1
            if step > 3 then
                ended = ended + 1
                step = 1
                new_session()
            end
        end
    end
    if interval > 0 then
        -- an absolute schedule: the next request is due one interval
        -- (jittered 0.5-1.5) after the last one was due
        delay = function()
            local now = now_ms()
            due = (due or now) + interval * (0.5 + math.random())
            if due < now - 1000 then
                due = now -- a stall over 1 s: no burst to catch up
            end
            return due > now and due - now or 0
        end
    end
end

function request()
    sent = sent + 1
    if mode == "health" then
        return wrk.format("GET", "/health")
    end
    return wrk.format("POST", path, hdrs, prefix .. texts[step])
end

function done(summary, latency, requests)
    local written, badn, endedn, sample = 0, 0, 0, ""
    for _, t in ipairs(threads) do
        written = written + t:get("sent")
        badn = badn + t:get("bad")
        endedn = endedn + t:get("ended")
        if sample == "" then sample = t:get("badsample") end
    end
    io.write(string.format("bench-written: %d\n", written - 1))
    io.write(string.format("bench-bad: %d\n", badn))
    io.write(string.format("bench-ended: %d\n", endedn))
    io.write(string.format("bench-tail: %d %d %d %d\n", latency:percentile(90),
        latency:percentile(98), latency:percentile(99.9), latency.max))
    if sample ~= "" then io.write("bench-bad-sample: " .. sample .. "\n") end
end
EOF


# parse_wrk FILE: "completed non2xx sockerr reqps p50us p99us written bad ended"
#   from wrk --latency output plus our done() lines.  Non-2xx is wrk's
#   "Non-2xx or 3xx responses" (absent when zero); socket errors add up
#   connect/read/write/timeout.
parse_wrk() {
    local f=$1 completed non2xx sockerr reqps p50 p99 written bad ended
    completed=$(awk '/ requests in / { print $1 }' "$f")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$f")
    sockerr=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$f")
    reqps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
    p50=$(awk '/^ +50% / { print $2 }' "$f")
    p99=$(awk '/^ +99% / { print $2 }' "$f")
    written=$(awk '/^bench-written:/ { print $2 }' "$f")
    bad=$(awk '/^bench-bad:/ { print $2 }' "$f")
    ended=$(awk '/^bench-ended:/ { print $2 }' "$f")
    [ -n "$completed" ] && [ -n "$reqps" ] && [ -n "$p50" ] && [ -n "$p99" ] &&
        [ -n "$written" ] || return 1
    printf '%s %s %s %s %s %s %s %s %s\n' "$completed" "${non2xx:-0}" "${sockerr:-0}" \
        "$reqps" "$(to_us "$p50")" "$(to_us "$p99")" "$written" "${bad:-0}" "${ended:-0}"
}

# open_sessions: chabar_open_sessions from chabard's /metrics.
open_sessions() {
    stack_curl "http://127.0.0.1:$CHABAR_PORT/metrics" |
        awk '$1 == "chabar_open_sessions" { print $2 }'
}

# prepopulate TAG: open BENCH_SESSIONS sessions over HTTP (the dial of each,
# 16 at a time through one curl), and check that chabard counts them live.
prepopulate() {
    local tag=$1 cfg=$BENCH_DIR/$1.curl i ok live
    local url="http://127.0.0.1:$CHABAR_PORT/ussd/at?key=$USSD_KEY"
    awk -v n="$BENCH_SESSIONS" -v url="$url" 'BEGIN {
        for (i = 1; i <= n; i++) {
            printf "url = \"%s\"\noutput = \"/dev/null\"\nwrite-out = \"%%{http_code}\\n\"\n", url
            printf "data = \"sessionId=pre-%d&serviceCode=%%2A384%%2A3%%23&phoneNumber=%%2B9967%08d&networkCode=43709&text=\"\n", i, i
            if (i < n) print "next"
        }
    }' >"$cfg"
    # Bounded: 10,000 steps take a few seconds; allow 5 ms each and 60 s.
    # (stderr: with --parallel curl draws a progress meter despite -s.)
    timeout -k 5 $((60 + BENCH_SESSIONS / 200)) curl -s --noproxy '*' --max-time 10 \
        --parallel --parallel-max 16 -K "$cfg" >"$BENCH_DIR/$tag.prepop" 2>/dev/null
    ok=$(grep -c '^200$' "$BENCH_DIR/$tag.prepop")
    live=$(open_sessions)
    rm -f "$cfg"
    if [ "$ok" != "$BENCH_SESSIONS" ] || [ "$live" != "$BENCH_SESSIONS" ]; then
        stack_log "$tag: opening $BENCH_SESSIONS sessions: $ok answered 200, $live live"
        return 1
    fi
}

# --------------------------------------------------------------------------
# run_one MODE ROUND
#   Start a fresh chabard, open the live sessions, load it with wrk, check,
#   and append one result line to BENCH_DIR/results:
#   "MODE ROUND reqps p50us p99us cpu_us_per_req hwm_kb completed written
#    errors stored ok prepop_s"
FAILED=0
run_one() {
    local mode=$1 round=$2 tag=$1-$2 kind conns interval
    kind=${mode%-*}
    if [ "${mode#*-}" = rate ]; then
        conns=$BENCH_RATE_CONNECTIONS
        interval=$(awk -v c="$conns" -v r="$BENCH_RATE" 'BEGIN { printf "%.4f", c * 1000 / r }')
    else
        conns=$BENCH_CONNECTIONS
        interval=0
    fi
    local token
    token=$(_stack_secret)
    token=${token:0:12}

    CHABAR_PORT=$(free_port) || return 1
    CHABAR_DB=$BENCH_DIR/$tag.db
    write_chabar_conf "$BENCH_DIR/$tag.conf" || return 1
    : >"$BENCH_DIR/chabard.out"
    if ! start_chabard "$BENCH_DIR/$tag.conf"; then
        stop_all
        return 1
    fi
    local pid base t0 prepop_s
    pid=$(stack_pid chabard)
    base="http://127.0.0.1:$CHABAR_PORT"
    t0=$(date +%s.%N)
    if ! prepopulate "$tag"; then
        stop_all
        return 1
    fi
    prepop_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    local msgs0
    msgs0=$(stack_sql "SELECT count(*) FROM messages WHERE direction = 'in' AND channel = 'ussd-at'")

    local before after rc hwm live_after
    before=$(cpu_ticks "$pid")
    # wrk stops itself after -d; timeout is only the safety net.
    timeout -k 5 $((BENCH_SECONDS + 30)) "$WRK" -t"$conns" -c"$conns" \
        -d"${BENCH_SECONDS}s" --latency -s "$BENCH_DIR/ussd.lua" "$base" \
        -- "$kind" "$USSD_KEY" "$token" "$interval" "$EXPECT0" "$EXPECT1" "$EXPECT2" \
        >"$BENCH_DIR/$tag.wrk" 2>&1
    rc=$?
    after=$(cpu_ticks "$pid")
    hwm=$(vm_hwm_kb "$pid")
    live_after=$(open_sessions)
    if [ "$rc" != 0 ]; then
        stack_log "$tag: wrk exited with $rc"
        stack_tail "$BENCH_DIR/$tag.wrk"
    fi

    local parsed tail
    tail=$(awk '/^bench-tail:/ { printf "p90 %d p98 %d p99.9 %d max %d", $2, $3, $4, $5 }' \
        "$BENCH_DIR/$tag.wrk")
    if ! parsed=$(parse_wrk "$BENCH_DIR/$tag.wrk"); then
        stack_log "$tag: could not parse wrk's output"
        stack_tail "$BENCH_DIR/$tag.wrk"
        stop_all
        return 1
    fi
    local completed non2xx sockerr reqps p50 p99 written bad ended
    read -r completed non2xx sockerr reqps p50 p99 written bad ended <<<"$parsed"

    local batch="- -"
    [ "$kind" = health ] || batch=$(batch_stats "http://127.0.0.1:$CHABAR_PORT/metrics")
    # Stop chabard before counting: SIGTERM lets it finish what is in
    # flight, so the counts are final.
    stop_all
    local stored pre_live expect ok=yes now
    now=$(date +%s)
    stored=$(stack_sql "SELECT count(*) FROM messages WHERE direction = 'in' AND channel = 'ussd-at'")
    stored=$((stored - msgs0))
    pre_live=$(stack_sql "SELECT count(*) FROM sessions WHERE ussd_session LIKE 'pre-%' AND expires_at > $now")
    case $kind in
    health) expect=0 ;;
    # Every written step that did not fail is stored exactly once.
    *) expect=$((written - non2xx)) ;;
    esac
    if [ "$stored" != "$expect" ]; then
        stack_log "$tag: $stored steps stored, expected $expect" \
            "(completed $completed, written $written, non-2xx $non2xx)"
        ok=NO
    fi
    if [ "$pre_live" != "$BENCH_SESSIONS" ] || [ "${live_after:-0}" -lt "$BENCH_SESSIONS" ]; then
        stack_log "$tag: after the load $pre_live of the $BENCH_SESSIONS opened sessions" \
            "are live in the database (/metrics: ${live_after:-?} open)"
        ok=NO
    fi
    if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ] || [ "$bad" != 0 ]; then
        stack_log "$tag: $non2xx non-2xx responses, $sockerr socket errors, $bad wrong pages"
        grep '^bench-bad-sample:' "$BENCH_DIR/$tag.wrk" | sed 's/^/#   /' >&2
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

    local cpu_us errors=$((non2xx + sockerr + bad))
    cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$completed" \
        'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }')
    printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$mode" "$round" "$reqps" "$p50" \
        "$p99" "$cpu_us" "$hwm" "$completed" "$written" "$errors" "$stored" "$ok" \
        "$prepop_s" "$batch" >>"$BENCH_DIR/results"
    printf '# %-11s round %d: %8s req/s  p50 %s p99 %s us  cpu %s us/req  RSS %s kB  stored %s/%s  sessions ended %s  live %s  (opened in %s s) %s\n#   latency us: %s\n' \
        "$mode" "$round" "$reqps" "$p50" "$p99" "$cpu_us" "$hwm" "$stored" "$written" \
        "$ended" "$live_after" "$prepop_s" "$([ "$ok" = yes ] && echo ok || echo CHECK)" \
        "$tail" >&2
    if [ "$BENCH_KEEP" != 1 ]; then
        rm -f "$BENCH_DIR/$tag.db" "$BENCH_DIR/$tag.db-wal" "$BENCH_DIR/$tag.db-shm"
    fi
}

# --------------------------------------------------------------------------
version=$("$CHABARD" -V 2>&1 | head -n1)
printf 'chabar USSD benchmark  %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'machine: %s cores (%s), kernel %s, database on %s\n' "$(nproc)" \
    "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(uname -r)" \
    "$(stat -f -c %T "$BENCH_DIR")"
printf 'daemon:  %s (log_level %s); client: %s, one connection per thread, keep-alive\n' \
    "$version" "${CHABAR_LOG_LEVEL:-info}" "$("$WRK" -v 2>&1 | awk 'NR == 1 { print $1, $2 }')"
printf 'loads:   %s s each, %s round(s); rate-limited: %s/s over %s connections; unlimited: %s connections; %s live sessions\n' \
    "$BENCH_SECONDS" "$BENCH_RUNS" "$BENCH_RATE" "$BENCH_RATE_CONNECTIONS" \
    "$BENCH_CONNECTIONS" "$BENCH_SESSIONS"

bench_rounds "${MODES[@]}"

# --------------------------------------------------------------------------
# The table: per load, the median of each column over the rounds (each
# column on its own) and the spread of req/s; the worst p99 and RSS too,
# since the target is a bound.
cat <<EOF

req/s and latency: wrk and chabard share $(nproc) cores.  cpu us/r = chabard's
utime+stime per completed request during the load (not the opening of the
sessions).  RSS = VmHWM, chabard's peak over its whole life, opening the
sessions included.  "stored" (inbound ussd-at rows written during the load)
must equal "written" minus non-2xx; errors = non-2xx + socket errors + wrong
pages.
EOF

awk -v runs="$BENCH_RUNS" -v rate="$BENCH_RATE" -v sess="$BENCH_SESSIONS" "$BENCH_AWK_MEDIAN"'
{
    m = $1
    if (!(m in seen)) { seen[m] = 1; order[++k] = m }
    rps[m] = rps[m] " " $3; p50[m] = p50[m] " " $4; p99[m] = p99[m] " " $5
    cpu[m] = cpu[m] " " $6; hwm[m] = hwm[m] " " $7
    if (!(m in lo) || $3 + 0 < lo[m]) lo[m] = $3 + 0
    if (!(m in hi) || $3 + 0 > hi[m]) hi[m] = $3 + 0
    if ($5 + 0 > p99max[m]) p99max[m] = $5 + 0
    if ($7 + 0 > hwmmax[m]) hwmmax[m] = $7 + 0
    comp[m] += $8; wr[m] += $9; bad[m] += $10; st[m] += $11
    if ($12 != "yes") nok[m]++
    if ($14 != "-") { bmean[m] = bmean[m] " " $14; bp99[m] = bp99[m] " " $15 }
}
END {
    label["health-rate"] = "GET /health @" rate "/s"
    label["ussd-rate"] = "USSD step @" rate "/s"
    label["health-max"] = "GET /health, unlimited"
    label["ussd-max"] = "USSD step, unlimited"
    printf "\n%-24s %8s %13s %7s %7s %8s %9s %9s %9s %7s\n", "load (median of " runs ")",
        "req/s", "min-max", "p50 ms", "p99 ms", "p99 max", "cpu us/r", "RSS MiB", "RSS max", "checks"
    for (i = 1; i <= k; i++) {
        m = order[i]
        printf "%-24s %8.0f %6.0f-%-6.0f %7.2f %7.2f %8.2f %9.1f %9.1f %9.1f %7s\n", label[m],
            median(rps[m]), lo[m], hi[m], median(p50[m]) / 1000, median(p99[m]) / 1000,
            p99max[m] / 1000, median(cpu[m]), median(hwm[m]) / 1024, hwmmax[m] / 1024,
            nok[m] ? nok[m] " bad" : "ok"
    }
    printf "\n%-24s %12s %12s %12s %12s\n", "totals over all rounds", "completed", "written", "stored", "errors"
    for (i = 1; i <= k; i++) {
        m = order[i]
        printf "%-24s %12d %12d %12d %12d\n", label[m], comp[m], wr[m], st[m], bad[m]
    }
    if ("ussd-rate" in seen)
        printf "\ntarget (issue 5), with %d live sessions: p99 < 10 ms at %d steps/s -> worst p99 %.2f ms; peak RSS < 64 MiB -> worst %.1f MiB\n",
            sess, rate, p99max["ussd-rate"] / 1000, (hwmmax["ussd-rate"] > hwmmax["ussd-max"] ? hwmmax["ussd-rate"] : hwmmax["ussd-max"]) / 1024
    printf "messages per commit (mean, p99): at %d/s %s, %s; unlimited %s, %s\n", rate,
        median(bmean["ussd-rate"]), median(bp99["ussd-rate"]), median(bmean["ussd-max"]),
        median(bp99["ussd-max"])
    rss = hwmmax["ussd-rate"] > hwmmax["ussd-max"] ? hwmmax["ussd-rate"] : hwmmax["ussd-max"]
    printf "ussd_ratio=%.2f ussd_max_per_s=%.0f ussd_rate_p99_ms=%.2f ussd_rate_p99_worst_ms=%.2f ussd_cpu_us=%.1f rss_worst_mib=%.1f batch_mean=%s batch_p99=%s\n",
        median(rps["ussd-max"]) / median(rps["health-max"]), median(rps["ussd-max"]),
        median(p99["ussd-rate"]) / 1000, p99max["ussd-rate"] / 1000, median(cpu["ussd-max"]),
        rss / 1024, median(bmean["ussd-max"]), median(bp99["ussd-max"])
}' "$BENCH_DIR/results"

if [ "$FAILED" != 0 ]; then
    echo "bench/ussd.sh: some runs failed or did not check out (see the lines marked CHECK above)" >&2
    exit 1
fi
exit 0
