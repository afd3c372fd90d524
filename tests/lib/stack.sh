# shellcheck shell=bash
#
# tests/lib/stack.sh - start a real local Kannel stack (bearerbox, smsbox,
# fakesmsc) and chabard on 127.0.0.1, for integration tests, the demo and
# benchmarks.  Source it from bash:
#
#     . "$(dirname "$0")/../lib/stack.sh"
#     stack_init "$(mktemp -d)"
#     trap stop_all EXIT
#     write_kannel_conf && write_chabar_conf "$STACK_DIR/chabar.conf"
#     start_kannel && start_chabard "$STACK_DIR/chabar.conf" && start_fakesmsc
#     send_mo +996555123456 384 CHECKIN
#     wait_mt 'text ' 10
#
# Everything it starts is a direct child of the sourcing shell and is stopped
# by PID (never by name).  Readiness is always detected by polling (HTTP
# answers, bearerbox's status page, fakesmsc's log), never by fixed sleeps.
#
# Settings are environment variables; any left unset gets a default from
# stack_defaults (free ports, random secrets):
#
#   KANNEL_ADMIN_PORT KANNEL_ADMIN_PASSWORD   bearerbox admin HTTP
#   KANNEL_SMSBOX_PORT                        bearerbox <-> smsbox
#   KANNEL_FAKE_PORT  KANNEL_SMSC_ID          the fake SMSC fakesmsc connects to
#   KANNEL_SENDSMS_PORT KANNEL_SENDSMS_USER KANNEL_SENDSMS_PASSWORD
#   KANNEL_LOG_LEVEL    (log files, default 1 = info; 0 = debug halves throughput)
#   KANNEL_CONSOLE_LEVEL (-v for bearerbox/smsbox console output, default 2)
#   KANNEL_CONF_EXTRA   text appended verbatim to kannel.conf (smpp-tlv groups...)
#   KANNEL_CORE_EXTRA   lines added to its core group (store-type = spool...)
#   CHABAR_PORT CHABAR_KEY CHABAR_DB CHABAR_LOG_LEVEL
#   CHABAR_ALLOW CHABAR_SYNCHRONOUS CHABAR_CONF_EXTRA CHABAR_FLOWS CHABAR_LOCALES
#   CHABAR_LANGUAGE CHABAR_PIN_KEY             (the [conversation] section)
#   BEARERBOX SMSBOX FAKESMSC CHABARD         binaries
#   STACK_TIMEOUT      default readiness timeout in seconds (default 15)
#   STACK_STOP_WAIT    seconds between SIGTERM and SIGKILL (default 10)
#   STACK_VIA_BOX      1: chabard connects to bearerbox as a box ([box],
#                      box.h) and no smsbox runs: start_kannel starts
#                      bearerbox alone, start_chabard waits for the box's
#                      connection, chabar_sendsms_conf sends through it
#   STACK_CORE_LIMIT   ulimit -c for started processes (default 0: fakesmsc
#                      aborts on exit, see start_fakesmsc, and would litter
#                      the build dir with core files)
#
# Files in STACK_DIR: kannel.conf, pids ("name pid signal" per line),
# ports (ports handed out), bearerbox.log/smsbox.log (Kannel log files),
# *.out (console output of each process), fakesmsc.in (FIFO of MO lines),
# fakesmsc.log (fakesmsc's console log), fakesmsc.out (MT lines received).

# Debian package locations (kannel, kannel-extras); override to use others.
: "${BEARERBOX:=/usr/sbin/bearerbox}"
: "${SMSBOX:=/usr/sbin/smsbox}"
: "${FAKESMSC:=/usr/lib/kannel/test/fakesmsc}"
: "${STACK_TIMEOUT:=15}"
: "${STACK_STOP_WAIT:=10}"
: "${STACK_CORE_LIMIT:=0}"

STACK_DIR=${STACK_DIR:-}
# The source tree this library belongs to: flows/ and locales/ are there.
STACK_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_FIFO_FD=${STACK_FIFO_FD:-}
STACK_LAST_PID=

# --------------------------------------------------------------------------
# stack_init DIR
#   Use DIR (created if needed) as the working directory for configs, logs,
#   pids.  Registers no trap: the caller decides (usually `trap stop_all EXIT`).
stack_init() {
    if [ -z "${1:-}" ]; then
        echo "stack_init: directory required" >&2
        return 1
    fi
    mkdir -p "$1" || return 1
    STACK_DIR=$(cd "$1" && pwd) || return 1
    : >"$STACK_DIR/pids"
    : >"$STACK_DIR/ports"
    export STACK_DIR
}

# stack_log MESSAGE...
#   Diagnostics go to stderr prefixed with '# ', so they are TAP comments.
stack_log() {
    printf '# %s\n' "$*" >&2
}

# stack_curl ARGS...
#   curl for talking to 127.0.0.1: silent, bounded, and never through a proxy
#   (an http_proxy in the environment would otherwise swallow local requests).
stack_curl() {
    curl -s --noproxy '*' --max-time "${STACK_CURL_TIMEOUT:-10}" "$@"
}

# stack_together SENDER:ID:TEXT...
#   One /kannel/mo request to chabard per argument, all at once (one curl,
#   in parallel), from +99655500SENDER with network id ID; prints each
#   "ID STATUS", sorted by ID.
stack_together() {
    local args=() a sender id text
    for a in "$@"; do
        IFS=: read -r sender id text <<<"$a"
        # --next: each URL its own -s, -o and -w
        args+=(--next -s -o /dev/null -w "$id %{http_code}\n"
            "http://127.0.0.1:$CHABAR_PORT/kannel/mo?key=$CHABAR_KEY&from=%2B99655500$sender&to=384&text=$text&id=$id&coding=0")
    done
    stack_curl --parallel --parallel-immediate --parallel-max 16 "${args[@]}" 2>/dev/null | sort
}

# stack_commits: how many commits chabard has made (its /metrics).
stack_commits() {
    stack_curl "http://127.0.0.1:$CHABAR_PORT/metrics" |
        awk '/^chabar_commit_batch_size_count / { print $2 }'
}

# --------------------------------------------------------------------------
# free_port
#   Print a TCP port on which nothing listens on 127.0.0.1, claimed for this
#   stack. Ports come from below the kernel's ephemeral range: a port in it
#   may be the local end of some outgoing connection (curl, smsbox's keep-
#   alive), and Kannel then cannot bind it. A claim is a directory made
#   atomically under STACK_PORT_CLAIMS, so test scripts running side by side
#   (make -j2 check) never hand out the same port; stop_all releases them.
#   Fails after 200 attempts.
: "${STACK_PORT_CLAIMS:=${TMPDIR:-/tmp}/chabar-port-claims}"
free_port() {
    local port i low=32768 span
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
    span=$((low - 10000))
    mkdir -p "$STACK_PORT_CLAIMS" 2>/dev/null
    for ((i = 0; i < 200; i++)); do
        # RANDOM is 15 bits; combine two for an even spread.
        port=$((10000 + (RANDOM * 32768 + RANDOM) % span))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            continue # something answers: taken
        fi
        mkdir "$STACK_PORT_CLAIMS/$port" 2>/dev/null || continue # claimed by another stack
        [ -n "$STACK_DIR" ] && echo "$port" >>"$STACK_DIR/ports"
        echo "$port"
        return 0
    done
    echo "free_port: no free port found" >&2
    return 1
}

# _stack_release_ports: give back the ports this stack claimed.
_stack_release_ports() {
    local port
    [ -f "$STACK_DIR/ports" ] || return 0
    while read -r port; do
        rmdir "$STACK_PORT_CLAIMS/$port" 2>/dev/null
    done <"$STACK_DIR/ports"
    : >"$STACK_DIR/ports"
}

# _stack_secret: 32 hex characters from /dev/urandom (URL- and INI-safe).
_stack_secret() {
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
}

# stack_uuid: a random UUID (version 4 layout), e.g. for fake Kannel ids.
stack_uuid() {
    local h
    h=$(_stack_secret)
    printf '%s-%s-4%s-a%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}

# stack_defaults
#   Give every unset setting (see the header) a value: free ports, random
#   passwords and key, files in STACK_DIR.  Exported so helper programs see
#   them.  Called by write_kannel_conf and write_chabar_conf; must run in the
#   main shell (not in $(...)) so the values stick.
stack_defaults() {
    if [ -z "$STACK_DIR" ]; then
        echo "stack: call stack_init first" >&2
        return 1
    fi
    local v
    for v in KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT KANNEL_FAKE_PORT \
             KANNEL_SENDSMS_PORT CHABAR_PORT; do
        if [ -z "${!v:-}" ]; then
            printf -v "$v" '%s' "$(free_port)" || return 1
            [ -n "${!v}" ] || return 1
        fi
    done
    : "${KANNEL_ADMIN_PASSWORD:=$(_stack_secret)}"
    : "${KANNEL_SENDSMS_USER:=chabar}"
    : "${KANNEL_SENDSMS_PASSWORD:=$(_stack_secret)}"
    : "${KANNEL_SMSC_ID:=fake}"
    : "${KANNEL_LOG_LEVEL:=1}"
    : "${KANNEL_CONSOLE_LEVEL:=2}"
    : "${CHABAR_KEY:=$(_stack_secret)}"
    : "${CHABAR_DB:=$STACK_DIR/chabar.db}"
    : "${CHABAR_LOG_LEVEL:=info}"
    : "${CHABAR_ALLOW:=127.0.0.1}"
    : "${CHABAR_SYNCHRONOUS:=full}"
    : "${CHABAR_FLOWS:=$STACK_SRCDIR/flows}"
    : "${CHABAR_LOCALES:=$STACK_SRCDIR/locales}"
    : "${CHABAR_LANGUAGE:=en}"
    : "${CHABAR_PIN_KEY:=$(_stack_secret)$(_stack_secret)}"
    export KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT KANNEL_FAKE_PORT \
        KANNEL_SENDSMS_PORT KANNEL_ADMIN_PASSWORD KANNEL_SENDSMS_USER \
        KANNEL_SENDSMS_PASSWORD KANNEL_SMSC_ID KANNEL_LOG_LEVEL \
        KANNEL_CONSOLE_LEVEL CHABAR_PORT CHABAR_KEY CHABAR_DB \
        CHABAR_LOG_LEVEL CHABAR_ALLOW CHABAR_SYNCHRONOUS \
        CHABAR_FLOWS CHABAR_LOCALES CHABAR_LANGUAGE CHABAR_PIN_KEY
}

# --------------------------------------------------------------------------
# wait_http URL [SECONDS [CODE]]
#   Poll URL (curl, every 0.1 s) until it gives any HTTP answer, or exactly
#   status CODE when given.  SECONDS defaults to STACK_TIMEOUT (whole-second
#   resolution).  Returns 1 on timeout.
wait_http() {
    local url=$1 secs=${2:-$STACK_TIMEOUT} want=${3:-} code
    local end=$((SECONDS + secs))
    while :; do
        code=$(stack_curl -o /dev/null --max-time 2 -w '%{http_code}' "$url" 2>/dev/null)
        if [ -n "$want" ]; then
            [ "$code" = "$want" ] && return 0
        elif [ -n "$code" ] && [ "$code" != 000 ]; then
            return 0
        fi
        ((SECONDS >= end)) && return 1
        sleep 0.1
    done
}

# _stack_alive PID: the process exists and is not a zombie.
_stack_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local st=''
    # it may go between the two looks: then it is gone
    { read -r _ _ st _ <"/proc/$1/stat"; } 2>/dev/null || return 1
    [ "$st" != Z ]
}

# _stack_wait SECONDS PID WHAT CMD...
#   Poll CMD every 0.1 s until it succeeds.  Gives up early if PID (when not
#   empty) has died, so a crashing box fails fast instead of timing out.
_stack_wait() {
    local secs=$1 pid=$2 what=$3
    shift 3
    local end=$((SECONDS + secs))
    while :; do
        "$@" && return 0
        if [ -n "$pid" ] && ! _stack_alive "$pid"; then
            stack_log "$what: process $pid exited"
            return 1
        fi
        if ((SECONDS >= end)); then
            stack_log "$what: not ready after ${secs}s"
            return 1
        fi
        sleep 0.1
    done
}

# stack_tail FILE...: last lines of each file as TAP comments (diagnostics).
stack_tail() {
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        stack_log "--- tail of $f"
        tail -n "${STACK_TAIL_LINES:-15}" "$f" | sed 's/^/#   /' >&2
    done
}

# _stack_launch NAME SIGNAL STDIN OUTFILE CMD...
#   Start CMD in the background as a direct child and record
#   "NAME PID SIGNAL" in STACK_DIR/pids (SIGNAL is what stop_all sends
#   first).  No check on the program name at stop time: CHABARD may be a
#   libtool or valgrind wrapper whose process name differs.
#   The subshell drops the held FIFO descriptor and execs, so PID is CMD's.
#   Sets STACK_LAST_PID.
_stack_launch() {
    local name=$1 sig=$2 in=$3 out=$4
    shift 4
    (
        ulimit -c "$STACK_CORE_LIMIT" 2>/dev/null
        if [ -n "$STACK_FIFO_FD" ]; then exec {STACK_FIFO_FD}>&-; fi
        exec "$@"
    ) <"$in" >>"$out" 2>&1 &
    STACK_LAST_PID=$!
    printf "%s %s %s\n" "$name" "$STACK_LAST_PID" "$sig" >>"$STACK_DIR/pids"
}

# stack_spawn NAME SIGNAL CMD...
#   Start any extra process (a benchmark load generator, a second responder)
#   so that stop_all stops it: stdin /dev/null, output to STACK_DIR/NAME.out.
#   SIGNAL is TERM or INT (e.g. INT for a non-interactive fakesmsc run, which
#   then prints its statistics).  Prints nothing; PID is in STACK_LAST_PID.
#   A benchmark load, for example (instead of start_fakesmsc: only one
#   fakesmsc may be connected; -v 1 keeps its per-message debug lines off):
#     stack_spawn load INT "$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" \
#         -i 0 -m 100000 -v 1 "+996555000001 384 text CHECKIN"
stack_spawn() {
    local name=$1 sig=$2
    shift 2
    _stack_launch "$name" "$sig" /dev/null "$STACK_DIR/$name.out" "$@"
}

# stack_pid NAME: PID recorded for NAME (last one if several).
stack_pid() {
    awk -v n="$1" '$1 == n { p = $2 } END { if (p == "") exit 1; print p }' \
        "$STACK_DIR/pids"
}

# --------------------------------------------------------------------------
# write_kannel_conf
#   Write STACK_DIR/kannel.conf from the settings above: bearerbox core
#   (everything bound to 127.0.0.1), a fake SMSC, smsbox with retries, a
#   sendsms-user and the catch-all sms-service calling chabard's /kannel/mo
#   by post-url (the text as the body), as contrib/kannel.conf does, or by
#   get-url (the text in the URL) with KANNEL_MO_FORM=get.
write_kannel_conf() {
    stack_defaults || return 1
    local d=$STACK_DIR form=${KANNEL_MO_FORM:-post}
    local url="http://127.0.0.1:$CHABAR_PORT/kannel/mo?key=$CHABAR_KEY"
    url="$url&from=%p&to=%P&smsc=%i&id=%I&coding=%c&charset=%C&ts=%T&meta=%D"
    [ "$form" = get ] && url="$url&text=%b"
    cat >"$d/kannel.conf" <<EOF
# Generated by tests/lib/stack.sh for a throwaway local stack.
# See contrib/kannel.conf for the annotated production version.

group = core
admin-port = $KANNEL_ADMIN_PORT
admin-interface = 127.0.0.1
admin-password = "$KANNEL_ADMIN_PASSWORD"
admin-deny-ip = "*.*.*.*"
admin-allow-ip = "127.0.0.1"
smsbox-port = $KANNEL_SMSBOX_PORT
smsbox-interface = 127.0.0.1
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
# info, not debug: debug logging halves smsbox throughput (field notes).
log-file = "$d/bearerbox.log"
log-level = $KANNEL_LOG_LEVEL
# said explicitly to keep a warning out of the log
dlr-storage = internal
${KANNEL_CORE_EXTRA:-}

# fakesmsc connects here; our-host binds the listener to loopback
# (without it the fake SMSC listens on 0.0.0.0).
group = smsc
smsc = fake
smsc-id = $KANNEL_SMSC_ID
port = $KANNEL_FAKE_PORT
our-host = 127.0.0.1
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = $KANNEL_SENDSMS_PORT
sendsms-interface = 127.0.0.1
log-file = "$d/smsbox.log"
log-level = $KANNEL_LOG_LEVEL
# UCS-2 MOs reach chabard already as UTF-8 (%c=0, %C=UTF-8).
mo-recode = true
# Without these smsbox never retries a failed get-url; with them the same
# MO (same %I) can arrive up to 4 times, chabard deduplicates on id.
http-request-retry = ${KANNEL_RETRIES:-3}
http-queue-delay = 2
# An outage stays silent instead of texting "Could not fetch content".
reply-couldnotfetch = ""
# 10-25 % faster than the default 512 (field notes).
max-pending-requests = 64

group = sendsms-user
username = "$KANNEL_SENDSMS_USER"
password = "$KANNEL_SENDSMS_PASSWORD"
max-messages = 3
concatenation = true
user-deny-ip = "*.*.*.*"
user-allow-ip = "127.0.0.1"

group = sms-service
keyword = default
catch-all = true
$form-url = "$url"
accept-x-kannel-headers = true
max-messages = 3
concatenation = true
omit-empty = true
EOF
    if [ -n "${KANNEL_CONF_EXTRA:-}" ]; then
        printf '\n%s\n' "$KANNEL_CONF_EXTRA" >>"$d/kannel.conf"
    fi
}

# write_chabar_conf FILE
#   Write a chabard INI config listening on 127.0.0.1:CHABAR_PORT with the
#   database CHABAR_DB (default STACK_DIR/chabar.db) and the shared key.
#   CHABAR_CONF_EXTRA is appended verbatim (may open further sections; it
#   cannot override a key written here: chabard rejects a key set twice).
write_chabar_conf() {
    local f=${1:?write_chabar_conf FILE}
    stack_defaults || return 1
    cat >"$f" <<EOF
; Generated by tests/lib/stack.sh
[chabard]
listen = 127.0.0.1:$CHABAR_PORT
database = $CHABAR_DB
synchronous = $CHABAR_SYNCHRONOUS
log = stderr
log_level = $CHABAR_LOG_LEVEL
; above smsbox's max-pending-requests, or throughput collapses
listen_backlog = 1024

[kannel]
key = $CHABAR_KEY
allow = $CHABAR_ALLOW

[conversation]
flows = $CHABAR_FLOWS
locales = $CHABAR_LOCALES
default_language = $CHABAR_LANGUAGE
pin_key = $CHABAR_PIN_KEY
EOF
    if [ -n "${CHABAR_STORE_URI:-}" ]; then
        printf '\n[store]\nbackend = postgresql\nuri = %s\ntimeout_ms = %s\nstandby = %s\n' \
            "$CHABAR_STORE_URI" "${CHABAR_STORE_TIMEOUT_MS:-2000}" \
            "${CHABAR_STORE_STANDBY:-required}" >>"$f"
    fi
    if [ -n "${CHABAR_CONF_EXTRA:-}" ]; then
        printf '\n%s\n' "$CHABAR_CONF_EXTRA" >>"$f"
    fi
    if [ "${STACK_VIA_BOX:-0}" = 1 ]; then
        printf '\n%s\n' "$(chabar_box_conf)" >>"$f"
    fi
}

# chabar_sendsms_conf [LINE...]
#   A [sendsms] section for CHABAR_CONF_EXTRA: chabard's outbox sends
#   through this stack's smsbox (its sendsms-user), from 384, and Kannel's
#   reports come back to this chabard; each LINE ("rate = 0") is added.
#   After write_kannel_conf (or stack_defaults), before write_chabar_conf.
chabar_sendsms_conf() {
    if [ "${STACK_VIA_BOX:-0}" = 1 ]; then # the same path as MOs: the box
        printf '[sendsms]\nvia = box\nfrom = 384\n'
        [ $# -eq 0 ] || printf '%s\n' "$@"
        return
    fi
    printf '[sendsms]\nurl = http://127.0.0.1:%s/cgi-bin/sendsms\nusername = %s\n' \
        "$KANNEL_SENDSMS_PORT" "$KANNEL_SENDSMS_USER"
    printf 'password = %s\nfrom = 384\ndlr_url = http://127.0.0.1:%s/kannel/dlr\n' \
        "$KANNEL_SENDSMS_PASSWORD" "$CHABAR_PORT"
    [ $# -eq 0 ] || printf '%s\n' "$@"
}

# chabar_box_conf [LINE...]
#   A [box] section for CHABAR_CONF_EXTRA: chabard connects to this stack's
#   bearerbox as a box (no smsbox in the path); each LINE ("id = chabar")
#   is added. write_chabar_conf adds it by itself with STACK_VIA_BOX=1.
chabar_box_conf() {
    printf '[box]\nbearerbox = 127.0.0.1:%s\n' "$KANNEL_SMSBOX_PORT"
    [ $# -eq 0 ] || printf '%s\n' "$@"
}

# wait_box [SECONDS]: bearerbox's status page lists a box connection
# (chabard's, when no smsbox runs).
wait_box() {
    _stack_wait "${1:-$STACK_TIMEOUT}" "" "box connection" _kannel_status_has '^ *smsbox:'
}

# --------------------------------------------------------------------------
# kannel_status_url / kannel_status
#   bearerbox's plain-text status page, which lists "Box connections:"
#   ("smsbox:(none), IP 127.0.0.1 ...") and each SMSC with its state
#   ("fake[fake]    FAKE:PORT (online 1s, ..." or "(connecting, ...").
kannel_status_url() {
    printf 'http://127.0.0.1:%s/status.txt?password=%s\n' \
        "$KANNEL_ADMIN_PORT" "$KANNEL_ADMIN_PASSWORD"
}
kannel_status() {
    stack_curl --max-time 2 "$(kannel_status_url)"
}

# _kannel_status_has ERE: the status page has a line matching ERE.
_kannel_status_has() {
    kannel_status 2>/dev/null | grep -Eq -- "$1"
}

# _stack_require FILE...: each is an executable file.
_stack_require() {
    local f ok=0
    for f in "$@"; do
        if [ ! -x "$f" ]; then
            stack_log "missing executable: $f"
            ok=1
        fi
    done
    return $ok
}

# start_kannel
#   Start bearerbox, then smsbox, in the foreground sense (no daemon mode,
#   so the PIDs are ours), with STACK_DIR/kannel.conf (written first if
#   missing).  Ready when the status page lists the smsbox and smsbox's
#   sendsms port answers HTTP.  The fake SMSC shows "online" only once
#   fakesmsc is connected: start_fakesmsc waits for that.
start_kannel() {
    if [ "${STACK_VIA_BOX:-0}" = 1 ]; then
        start_bearerbox # chabard is the box: start_chabard waits for it
    else
        _stack_require "$SMSBOX" && start_bearerbox && start_smsbox
    fi
}

# kannel_alive: bearerbox runs, and smsbox too unless chabard is the box.
kannel_alive() {
    _stack_alive "$(stack_pid bearerbox)" || return 1
    [ "${STACK_VIA_BOX:-0}" = 1 ] || _stack_alive "$(stack_pid smsbox)"
}

# start_bearerbox: bearerbox alone, until its status page says running
# (chabard as a box connects to it: chabar_box_conf, wait_box).
start_bearerbox() {
    local conf=$STACK_DIR/kannel.conf
    _stack_require "$BEARERBOX" || return 1
    [ -f "$conf" ] || write_kannel_conf || return 1
    _stack_launch bearerbox TERM /dev/null "$STACK_DIR/bearerbox.out" \
        "$BEARERBOX" -v "$KANNEL_CONSOLE_LEVEL" "$conf"
    if ! _stack_wait "$STACK_TIMEOUT" "$STACK_LAST_PID" bearerbox \
        _kannel_status_has '^Status: running'; then
        stack_tail "$STACK_DIR/bearerbox.out" "$STACK_DIR/bearerbox.log"
        return 1
    fi
}

# start_smsbox: smsbox alone (bearerbox running), until bearerbox lists it
# and its sendsms answers; also to bring it back after a test stopped it.
start_smsbox() {
    local conf=$STACK_DIR/kannel.conf t=$STACK_TIMEOUT
    _stack_launch smsbox TERM /dev/null "$STACK_DIR/smsbox.out" \
        "$SMSBOX" -v "$KANNEL_CONSOLE_LEVEL" "$conf"
    local sb=$STACK_LAST_PID
    if ! _stack_wait "$t" "$sb" smsbox _kannel_status_has '^ *smsbox:' ||
        ! wait_http "http://127.0.0.1:$KANNEL_SENDSMS_PORT/cgi-bin/sendsms" "$t"; then
        stack_tail "$STACK_DIR/smsbox.out" "$STACK_DIR/smsbox.log" \
            "$STACK_DIR/bearerbox.log"
        return 1
    fi
}

# --------------------------------------------------------------------------
# start_fakesmsc
#   Connect Kannel's fakesmsc to the fake SMSC in interactive mode: with no
#   message arguments it reads MO lines from stdin, here the FIFO
#   STACK_DIR/fakesmsc.in.  This shell holds the FIFO open read-write on
#   STACK_FIFO_FD, so opening it never blocks and fakesmsc never sees EOF.
#   Flags: -H/-r bearerbox host and fake SMSC port; -i 0 because the send
#   interval (default 1 s) also paces interactive input; -v 0 because
#   fakesmsc prints received MTs only as DEBUG lines ("Got message N: <...>").
#   Its console log is STACK_DIR/fakesmsc.log; mt_lines extracts the MTs into
#   STACK_DIR/fakesmsc.out.  Ready when the status page shows the SMSC online.
#   Only one fakesmsc can be connected at a time.
#   fakesmsc 1.4.5 in interactive mode frees its message buffer twice on exit
#   (SIGINT or bearerbox going away) and dies with SIGABRT, so it is stopped
#   with SIGTERM (no handler: plain exit) and core dumps are off.
start_fakesmsc() {
    local fifo=$STACK_DIR/fakesmsc.in
    _stack_require "$FAKESMSC" || return 1
    rm -f "$fifo" && mkfifo "$fifo" || return 1
    exec {STACK_FIFO_FD}<>"$fifo" || return 1
    : >"$STACK_DIR/fakesmsc.out"
    _stack_launch fakesmsc TERM "$fifo" "$STACK_DIR/fakesmsc.log" \
        "$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" -i 0 -v 0
    local id=$KANNEL_SMSC_ID
    if ! _stack_wait "$STACK_TIMEOUT" "$STACK_LAST_PID" fakesmsc \
        _kannel_status_has "^ *$id\\[$id\\] .*\\(online"; then
        stack_tail "$STACK_DIR/fakesmsc.log" "$STACK_DIR/bearerbox.log"
        return 1
    fi
}

# _fakesmsc_sent_count: how many MOs fakesmsc has written to bearerbox.
_fakesmsc_sent_count() {
    local n
    n=$(grep -ac 'fakesmsc: sent message' "$STACK_DIR/fakesmsc.log" 2>/dev/null)
    echo "${n:-0}"
}

# fakesmsc_replies FILE...: how many MTs fakesmsc logged ("Got message
#   N:") in its console logs FILE... (a load's, started with stack_spawn,
#   and STACK_DIR/fakesmsc.log for start_fakesmsc's).
fakesmsc_replies() {
    cat "$@" 2>/dev/null | grep -ac ' Got message [0-9]*: '
}

# spawn_load N: fakesmsc fires N MOs as fast as bearerbox takes them, from
#   four senders (an enrolled-looking HELP, CHECKIN, NEXT, an unknown
#   word), as "stack_spawn load" (its console in STACK_DIR/load.out).
spawn_load() {
    stack_spawn load INT "$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" -i 0 -m "$1" -v 0 \
        "+996555000001 384 text HELP" "+996555000002 384 text CHECKIN" \
        "+996700000003 384 text NEXT" "+996770000004 384 text hello"
}

# mo_ledger: what chabard answered 200 (the ids its log names) against
#   what its store holds, after a crash or a failover: sets MO_ACKED (MOs
#   answered), MO_LOST (answered, not stored), MO_STORED (inbound rows),
#   MO_IDS (distinct network ids) and MO_ANSWERED (stored MOs with their
#   reply row).
mo_ledger() {
    grep -a 'route=/kannel/mo status=200 ' "$STACK_DIR/chabard.out" |
        sed -n 's/.* id=\([^ ]*\) .*/\1/p' | sort -u >"$STACK_DIR/acknowledged"
    stack_sql "SELECT network_id FROM messages WHERE direction = 'in'" | sort -u >"$STACK_DIR/stored"
    MO_ACKED=$(wc -l <"$STACK_DIR/acknowledged")
    MO_LOST=$(comm -23 "$STACK_DIR/acknowledged" "$STACK_DIR/stored" | wc -l)
    MO_STORED=$(stack_sql "SELECT count(*) FROM messages WHERE direction = 'in'")
    MO_IDS=$(stack_sql "SELECT count(DISTINCT network_id) FROM messages WHERE direction = 'in'")
    MO_ANSWERED=$(stack_sql "SELECT count(*) FROM messages m WHERE m.direction = 'in' AND EXISTS
        (SELECT 1 FROM messages r WHERE r.in_reply_to = m.id AND r.direction = 'out')")
}

# load_replies: how many MTs the load's fakesmsc has received (a
#   fakesmsc started with "stack_spawn load", its console in
#   STACK_DIR/load.out).
load_replies() {
    fakesmsc_replies "$STACK_DIR/load.out"
}

# wait_load_replies COUNT SECONDS: until the load has COUNT replies (1 if
#   not within SECONDS).
wait_load_replies() {
    local end=$((SECONDS + $2))
    while (($(load_replies) < $1)); do
        ((SECONDS >= end)) && return 1
        sleep 0.05
    done
}

# wait_load_settled COUNT: until the load has COUNT replies, or none came
#   for 6 s (smsbox retries a failed MO every 2 s: the retries are over).
wait_load_settled() {
    local last=-1
    while [ "$(load_replies)" != "$last" ]; do
        last=$(load_replies)
        wait_load_replies "$1" 6 && break
    done
}

# _fakesmsc_poke: write an empty line.  fakesmsc ignores it but it wakes
#   fakesmsc's select() on stdin, which otherwise reads bearerbox's MTs only
#   once a second, and releases a line stuck in its stdio buffer (it select()s
#   on the descriptor but reads with fgets, so a second line that arrived in
#   the same read() would wait for the next input).
_fakesmsc_poke() {
    [ -n "$STACK_FIFO_FD" ] || return 0
    printf '\n' >&"$STACK_FIFO_FD"
}

# fakesmsc_send LINE
#   Send one raw fakesmsc MO line ("FROM TO text|data|ucs2|udh ... PAYLOAD")
#   and wait until fakesmsc reports it written to bearerbox, so lines never
#   queue up behind each other.  fakesmsc reads lines into a 256-byte buffer:
#   longer lines would be split into two MOs, so they are refused here.
fakesmsc_send() {
    local line=$1 before end i=0
    if [ -z "$STACK_FIFO_FD" ]; then
        echo "fakesmsc_send: fakesmsc is not running" >&2
        return 1
    fi
    case $line in *$'\n'* | *$'\r'*)
        echo "fakesmsc_send: line breaks cannot be sent" >&2
        return 1 ;;
    esac
    local LC_ALL=C # ${#line} in bytes
    if ((${#line} > 254)); then
        echo "fakesmsc_send: line longer than 254 bytes" >&2
        return 1
    fi
    before=$(_fakesmsc_sent_count)
    printf '%s\n' "$line" >&"$STACK_FIFO_FD" || return 1
    end=$((SECONDS + STACK_TIMEOUT))
    while (($(_fakesmsc_sent_count) <= before)); do
        if ((SECONDS >= end)); then
            echo "fakesmsc_send: fakesmsc did not send the line" >&2
            return 1
        fi
        # only needed when a poke line was still buffered ahead of ours
        ((++i % 5 == 0)) && _fakesmsc_poke
        sleep 0.1
    done
}

# send_mo FROM TO TEXT
#   An MO in the GSM default alphabet as fakesmsc "text" (sent verbatim;
#   TEXT may contain spaces but no line breaks).
send_mo() {
    fakesmsc_send "$1 $2 text $3"
}

# _stack_urlencode_bytes: read bytes on stdin, print every byte as %XX.
_stack_urlencode_bytes() {
    od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g'
}

# send_mo_ucs2 FROM TO UTF8TEXT
#   An MO with UCS-2 coding: TEXT converted to UTF-16BE and URL-encoded, sent
#   as a fakesmsc "ucs2" line.  At most about 80 characters fit in a line.
send_mo_ucs2() {
    local enc
    enc=$(printf '%s' "$3" | iconv -f UTF-8 -t UTF-16BE | _stack_urlencode_bytes) ||
        return 1
    fakesmsc_send "$1 $2 ucs2 $enc"
}

# mt_lines
#   Print every MT fakesmsc has received, one per line, as fakesmsc shows
#   them ("FROM TO text ...", "... data %XX..", "... ucs-2 %XX..",
#   "... udh %XX.. data %XX.."), and refresh STACK_DIR/fakesmsc.out with
#   them.  (fakesmsc itself only logs them, as "Got message N: <LINE>".)
#   An MT whose raw text contains a line break shows up broken in two.
mt_lines() {
    # fakesmsc logs each line of a text with line breaks (a menu) as a
    # message of its own; a "message" that does not start with the sender,
    # receiver and type is such a continuation, joined to the one before
    # with \037 (unit separator), which decode_mt turns back into a line
    # break, so one MT stays one line here.
    LC_ALL=C awk '
        match($0, / Got message [0-9]*: </) {
            line = substr($0, RSTART + RLENGTH); sub(/>$/, "", line)
            if (line ~ /^[^ ]+ [^ ]+ (text|data|ucs-2|udh) / || n == 0) mt[++n] = line
            else mt[n] = mt[n] "\037" line
        }
        END { for (i = 1; i <= n; i++) print mt[i] }
    ' "$STACK_DIR/fakesmsc.log" >"$STACK_DIR/fakesmsc.out"
    cat "$STACK_DIR/fakesmsc.out"
}

# mt_count: number of MTs received so far (use as AFTER for wait_mt).
mt_count() {
    mt_lines | wc -l | tr -d ' '
}

# wait_mt PATTERN [SECONDS [AFTER]]
#   Poll until an MT line matching PATTERN (grep -E) arrives, skipping the
#   first AFTER lines (default 0; pass a previous mt_count to only see new
#   MTs).  Prints the first matching line.  Returns 1 on timeout.
wait_mt() {
    local pat=$1 secs=${2:-$STACK_TIMEOUT} after=${3:-0} line
    local end=$((SECONDS + secs))
    while :; do
        if line=$(mt_lines | tail -n "+$((after + 1))" | grep -a -E -m1 -- "$pat"); then
            printf '%s\n' "$line"
            return 0
        fi
        ((SECONDS >= end)) && return 1
        _fakesmsc_poke
        sleep 0.1
    done
}

# mt_text NUMBER [AFTER]
#   The text of the MTs to NUMBER after the first AFTER (default 0), as the
#   phone shows it: a long message's UCS-2 parts joined.
mt_text() {
    local l
    mt_lines | tail -n "+$((${2:-0} + 1))" | grep -a -E "^[^ ]+ [+]?$1 " |
        while IFS= read -r l; do
            case $l in
            *" udh "*) decode_mt "$l" ucs2 | tr -d '\n' ;;
            *) decode_mt "$l" | tr -d '\n' ;;
            esac
        done
}

# wait_mt_text NUMBER TEXT [SECONDS [AFTER]]
#   Poll until the phone NUMBER shows TEXT (every part arrived; see
#   mt_text), SECONDS at most (STACK_TIMEOUT); print what it shows.
wait_mt_text() {
    local end=$((SECONDS + ${3:-$STACK_TIMEOUT}))
    while [ "$(mt_text "$1" "${4:-0}")" != "$2" ] && ((SECONDS < end)); do
        _fakesmsc_poke
        sleep 0.2
    done
    mt_text "$1" "${4:-0}"
}

# _stack_urldecode STRING: form-decode ('+' is space, %XX a byte) to stdout.
_stack_urldecode() {
    local s=${1//+/ }
    s=${s//\\/\\\\} # keep literal backslashes from printf %b
    printf '%b' "${s//%/\\x}"
}

# decode_mt LINE [ucs2]
#   Print the text of one fakesmsc MT line as UTF-8 (plus a newline).
#   What Kannel 1.4.5's fake SMSC actually writes:
#     "FROM TO text RAW"      7-bit text, verbatim (not URL-encoded: a '+'
#                             is a plus; non-ASCII arrives as raw UTF-8)
#     "FROM TO data ENC"      8-bit, form-encoded bytes
#     "FROM TO ucs-2 ENC"     UCS-2, form-encoded UTF-16BE
#     "FROM TO udh UDH data ENC"  one part of a concatenated message; the
#                             coding is not shown, so pass "ucs2" as second
#                             argument for UCS-2 parts (bytes otherwise).
decode_mt() {
    local line=$1 how=${2:-} rest type payload
    rest=${line#* }
    rest=${rest#* }
    type=${rest%% *}
    payload=${rest#"$type"}
    payload=${payload# }
    case $type in
    text) printf '%s\n' "$payload" | tr '\037' '\n' ;;
    data) _stack_urldecode "$payload"; echo ;;
    ucs-2 | ucs2) _stack_urldecode "$payload" | iconv -f UTF-16BE -t UTF-8; echo ;;
    udh)
        payload=${payload#* }     # drop the UDH
        payload=${payload#data }
        if [ "$how" = ucs2 ]; then
            _stack_urldecode "$payload" | iconv -f UTF-16BE -t UTF-8
        else
            _stack_urldecode "$payload"
        fi
        echo ;;
    *)
        echo "decode_mt: unknown line: $line" >&2
        return 1 ;;
    esac
}

# --------------------------------------------------------------------------
# stack_missing [BINARY...]
#   Print what a Kannel test needs and cannot find: Kannel's programs, the
#   given binaries, and the tools the library uses. Empty output: all there.
stack_missing() {
    local f c
    for f in "$BEARERBOX" "$SMSBOX" "$FAKESMSC" "$@"; do
        [ -x "$f" ] || printf ' %s' "$f"
    done
    for c in curl sqlite3 iconv od; do
        command -v "$c" >/dev/null || printf ' %s' "$c"
    done
}

# --------------------------------------------------------------------------
# catalog_text LANG KEY
#   The text of KEY in locales/LANG.po as chabard will send it (placeholders
#   left as they are), so tests do not copy translations.
catalog_text() {
    awk -v key="\"$2\"" '
        $1 == "msgid" { hit = ($2 == key) }
        hit && $1 == "msgstr" { sub(/^msgstr "/, ""); sub(/"$/, ""); print; exit }
    ' "$CHABAR_LOCALES/$1.po"
}

# --------------------------------------------------------------------------
# stack_sql QUERY
#   One query against chabard's database (CHABAR_DB); the busy timeout
#   covers the moment the daemon holds the write lock.
#   With CHABAR_STORE_URI (tests/lib/pg.sh: pg_database), the query goes
#   to that PostgreSQL database instead, its values printed as sqlite3
#   prints them (a boolean as 1 or 0, a bytea as its bytes).
stack_sql() {
    if [ -z "${CHABAR_STORE_URI:-}" ]; then
        sqlite3 -batch -noheader -cmd '.timeout 5000' "$CHABAR_DB" "$1"
        return
    fi
    psql -X -q -A -t -v ON_ERROR_STOP=1 "$CHABAR_STORE_URI" -c "$1" |
        perl -ne 'chomp; print join("|", map { $_ eq "t" ? 1 : $_ eq "f" ? 0 :
            /^\\x([0-9a-f]*)$/ ? pack("H*", $1) : $_ } split /\|/, $_, -1), "\n"'
    return "${PIPESTATUS[0]}"
}

# stack_db_lock / stack_db_unlock
#   Another process takes and holds the database's write lock, as a backup
#   or an admin command might, so chabard's writes fail; then lets go.
#   The lock holder is recorded, so stop_all ends it if a test bails.
stack_db_lock() {
    coproc STACK_LOCK { exec sqlite3 -batch "$CHABAR_DB"; }
    printf '%s %s TERM\n' sqlite3-lock "$STACK_LOCK_PID" >>"$STACK_DIR/pids"
    # The timeout lets the lock wait out our own probe below.
    printf '.timeout 5000\nBEGIN EXCLUSIVE;\n' >&"${STACK_LOCK[1]}"
    _stack_wait "$STACK_TIMEOUT" "$STACK_LOCK_PID" "database lock" _stack_db_locked
}

_stack_db_locked() {
    ! sqlite3 "$CHABAR_DB" 'BEGIN IMMEDIATE; ROLLBACK;' 2>/dev/null
}

stack_db_unlock() {
    local pid=$STACK_LOCK_PID
    printf 'COMMIT;\n.quit\n' >&"${STACK_LOCK[1]}"
    wait "$pid" 2>/dev/null
}

# --------------------------------------------------------------------------
# start_chabard CONF
#   Start "$CHABARD -f -c CONF" (CHABARD defaults to
#   $top_builddir/gateway/chabard), output to STACK_DIR/chabard.out.  Ready
#   when /health on the configured listen port answers 200 (or
#   CHABAR_READY_STATUS: 503 where chabard starts degraded on purpose).
start_chabard() {
    local conf=${1:?start_chabard CONF} port
    : "${CHABARD:=${top_builddir:-.}/gateway/chabard}"
    _stack_require "$CHABARD" || return 1
    # the port from the config itself, in case it was not written by us
    port=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[^:]*:\([0-9]*\).*/\1/p' "$conf" | head -n1)
    port=${port:-$CHABAR_PORT}
    _stack_launch chabard TERM /dev/null "$STACK_DIR/chabard.out" \
        "$CHABARD" -f -c "$conf"
    if ! _stack_wait "$STACK_TIMEOUT" "$STACK_LAST_PID" chabard \
        wait_http "http://127.0.0.1:$port/health" 1 "${CHABAR_READY_STATUS:-200}"; then
        stack_tail "$STACK_DIR/chabard.out"
        return 1
    fi
    if [ "${STACK_VIA_BOX:-0}" = 1 ] && ! wait_box; then
        stack_tail "$STACK_DIR/chabard.out" "$STACK_DIR/bearerbox.log"
        return 1
    fi
}

# --------------------------------------------------------------------------
# stack_test_begin NAME [LOG...]
#   The start of a test script: T, a private temporary directory
#   (chabar-NAME.XXXXXX), made the stack's (stack_init). At exit every
#   process the stack started is stopped; if a test failed, chabard.out and
#   each LOG (a path under T) are shown; T is removed (kept with
#   CHABAR_KEEP_TMP=1). A script with more to undo defines
#   stack_test_cleanup, which runs first.
#   CHABAR_STORE=postgresql: chabard's store is PostgreSQL, a primary and
#   two synchronous standbys started here (tests/lib/pg.sh) and stopped at
#   exit; write_chabar_conf and stack_sql use its database.
stack_test_begin() {
    local name=$1
    shift
    T=$(mktemp -d "${TMPDIR:-/tmp}/chabar-$name.XXXXXX") || {
        echo "Bail out! mktemp"
        exit 1
    }
    _STACK_TEST_LOGS=("$@")
    trap _stack_test_end EXIT
    trap 'exit 130' INT TERM HUP
    stack_init "$T"
    [ "${CHABAR_STORE:-}" = postgresql ] || return 0
    stack_postgresql && pg_database chabar || { echo "Bail out! PostgreSQL clusters start"; exit 1; }
}

# stack_postgresql: tests/lib/pg.sh read and its three clusters started
#   (bails out if PostgreSQL 15 is not installed); stopped at exit by
#   _stack_test_end, or by the script's own cleanup calling pg_stop_all.
stack_postgresql() {
    # shellcheck source=pg.sh
    . "$(dirname "${BASH_SOURCE[0]}")/pg.sh" || { echo "Bail out! cannot read pg.sh"; exit 1; }
    local missing
    missing=$(pg_missing)
    if [ -n "$missing" ]; then
        echo "Bail out! PostgreSQL 15 present (missing:$missing)"
        exit 1
    fi
    pg_start
}

# shellcheck disable=SC2317 # called by the trap
_stack_test_end() {
    local logs=("$T/chabard.out") l
    trap "" PIPE # a reader that went away must not stop the cleanup
    if declare -F stack_test_cleanup >/dev/null; then stack_test_cleanup; fi
    stop_all
    if declare -F pg_stop_all >/dev/null; then pg_stop_all; fi
    if [ "${TAP_FAILED:-0}" -ne 0 ]; then
        for l in "${_STACK_TEST_LOGS[@]}"; do logs+=("$T/$l"); done
        stack_tail "${logs[@]}"
    fi
    if [ "${CHABAR_KEEP_TMP:-0}" = 1 ]; then stack_log "kept $T"; else rm -rf "$T"; fi
}

# --------------------------------------------------------------------------
# stop_all
#   Stop every process recorded in STACK_DIR/pids, newest first, by PID only:
#   its recorded signal (TERM, or INT where asked), then up to
#   STACK_STOP_WAIT seconds for all of them together, then SIGKILL.
#   Closes the FIFO descriptor.  Safe to call twice and from `trap ... EXIT`.
stop_all() {
    [ -n "$STACK_DIR" ] && [ -f "$STACK_DIR/pids" ] || return 0
    local lines=() waiting=() still=() i name pid sig end
    mapfile -t lines <"$STACK_DIR/pids"
    : >"$STACK_DIR/pids" # a second call finds nothing to do
    for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
        read -r name pid sig <<<"${lines[i]}"
        if [ -z "$pid" ] || ! _stack_alive "$pid"; then continue; fi
        kill -s "$sig" "$pid" 2>/dev/null && waiting+=("$pid")
    done
    # Phase 1: the polite signal had STACK_STOP_WAIT seconds; phase 2:
    # SIGKILL the rest and give the kernel and bash 5 s to reap them.
    local phase=1
    end=$((SECONDS + STACK_STOP_WAIT))
    while ((${#waiting[@]})); do
        still=()
        for pid in "${waiting[@]}"; do
            _stack_alive "$pid" && still+=("$pid")
        done
        waiting=("${still[@]}")
        ((${#waiting[@]})) || break
        if ((SECONDS >= end)); then
            ((phase == 2)) && break
            for pid in "${waiting[@]}"; do
                stack_log "stop_all: pid $pid still running, sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null
            done
            phase=2
            end=$((SECONDS + 5))
        fi
        sleep 0.1
    done
    if [ -n "$STACK_FIFO_FD" ]; then
        exec {STACK_FIFO_FD}>&-
        STACK_FIFO_FD=
    fi
    _stack_release_ports
    return 0
}

# ==========================================================================
# SMPP: Kannel talking SMPP 3.4 to tests/smpp/peer.js (an SMSC built on the
# npm package `smpp`; run `npm ci` in tests/smpp once).  For USSD tests: the
# peer sends deliver_sm with ussd_service_op / its_session_info and reports
# every submit_sm as a JSON line.  See tests/smpp/README.md.
#
#     stack_init "$(mktemp -d)"; trap stop_all EXIT
#     write_kannel_conf_smpp && write_chabar_conf "$STACK_DIR/chabar.conf"
#     start_smpp_peer && start_kannel && smpp_wait_bound
#     start_chabard "$STACK_DIR/chabar.conf"
#     n=$(smpp_count submit_sm)
#     smpp_mo +996555123456 '*384#' 1 42/1 '*384#'
#     line=$(smpp_wait_submit '"ussd_service_op":2,' 10 "$n")
#     smpp_field "$line" text
#
# Settings (environment; unset ones get defaults from stack_defaults_smpp):
#   KANNEL_SMSC        which SMSCs write_kannel_conf_smpp configures:
#                      smpp (default): the SMPP one instead of the fake one;
#                      both: the two, each reply going back to the SMSC its
#                      MO came from, sendsms to the fake one unless it says
#                      smsc=KANNEL_SMPP_ID; fake: exactly write_kannel_conf
#   KANNEL_SMPP_PORT   where the peer listens and Kannel connects
#   KANNEL_SMPP_ID     Kannel's smsc-id for it (default smpp; %i, smsc=)
#   KANNEL_SMPP_SYSTEM_ID KANNEL_SMPP_PASSWORD  bind credentials, checked by
#                      the peer (SMPP allows 15 and 8 characters)
#   KANNEL_SMPP_SERVICE_TYPE  service-type Kannel puts on submit_sm (unset:
#                      none, Kannel sends an empty one)
#   KANNEL_SMPP_MAX_SMS_OCTETS  max-sms-octets of the SMPP SMSC (default
#                      160, one USSD page unsplit; set empty for Kannel's 140)
#   KANNEL_SMPP_SMSC_EXTRA    lines added to the SMPP smsc group verbatim
#   NODE SMPP_PEER     node binary (default node) and the peer script
# Files in STACK_DIR: smpp.in (FIFO of peer commands, held open on
# STACK_SMPP_FD), smpp.events (the peer's JSON lines), smpp.out (its
# console: node's own errors).

: "${NODE:=node}"
: "${SMPP_PEER:=$STACK_SRCDIR/tests/smpp/peer.js}"
STACK_SMPP_FD=${STACK_SMPP_FD:-}

# smpp_missing
#   Print what the SMPP peer needs and cannot find (node, the installed npm
#   package); empty output: all there.
smpp_missing() {
    command -v "$NODE" >/dev/null 2>&1 || printf ' %s' "$NODE"
    [ -f "$SMPP_PEER" ] || printf ' %s' "$SMPP_PEER"
    [ -f "$(dirname "$SMPP_PEER")/node_modules/smpp/package.json" ] ||
        printf ' %s' "$(dirname "$SMPP_PEER")/node_modules/smpp (run npm ci there)"
}

# smpp_prepare
#   Make the peer runnable: if its npm package is not installed next to it
#   (a tarball's tree, as in make distcheck), copy the peer with its lock file
#   into STACK_DIR/smpp and install there with npm ci (contrib/deps-debian.sh
#   installs it once in tests/smpp, which also fills npm's cache).
smpp_prepare() {
    local from
    from=$(dirname "$SMPP_PEER")
    [ -f "$from/node_modules/smpp/package.json" ] && return 0
    mkdir -p "$STACK_DIR/smpp" &&
        cp "$from/peer.js" "$from/package.json" "$from/package-lock.json" "$STACK_DIR/smpp/" &&
        { [ ! -f "$from/.npmrc" ] || cp "$from/.npmrc" "$STACK_DIR/smpp/"; } &&
        (cd "$STACK_DIR/smpp" && npm ci --prefer-offline --no-audit --no-fund >npm.log 2>&1) ||
        { stack_log "smpp_prepare: npm ci failed (see $STACK_DIR/smpp/npm.log)"; return 1; }
    SMPP_PEER=$STACK_DIR/smpp/peer.js
}

# stack_defaults_smpp
#   stack_defaults plus the KANNEL_SMPP_* settings (see above).  Main shell.
stack_defaults_smpp() {
    stack_defaults || return 1
    if [ -z "${KANNEL_SMPP_PORT:-}" ]; then
        KANNEL_SMPP_PORT=$(free_port) && [ -n "$KANNEL_SMPP_PORT" ] || return 1
    fi
    : "${KANNEL_SMPP_ID:=smpp}"
    : "${KANNEL_SMPP_SYSTEM_ID:=chabar}"
    if [ -z "${KANNEL_SMPP_PASSWORD:-}" ]; then
        KANNEL_SMPP_PASSWORD=$(_stack_secret) && KANNEL_SMPP_PASSWORD=${KANNEL_SMPP_PASSWORD:0:8}
    fi
    export KANNEL_SMPP_PORT KANNEL_SMPP_ID KANNEL_SMPP_SYSTEM_ID KANNEL_SMPP_PASSWORD
}

# write_kannel_conf_smpp
#   write_kannel_conf, then per KANNEL_SMSC (default smpp) drop its fake
#   SMSC or keep it, and add an SMPP transceiver connecting to 127.0.0.1:
#   KANNEL_SMPP_PORT plus the two smpp-tlv groups for USSD as in
#   contrib/kannel-ussd.conf (so %D carries ussd_service_op and
#   its_session_info).  KANNEL_CONF_EXTRA must not declare those TLVs again.
write_kannel_conf_smpp() {
    local mode=${KANNEL_SMSC:-smpp} conf
    case $mode in
    fake) write_kannel_conf; return ;;
    smpp | both) ;;
    *) echo "write_kannel_conf_smpp: KANNEL_SMSC must be smpp, both or fake" >&2; return 1 ;;
    esac
    stack_defaults_smpp && write_kannel_conf || return 1
    conf=$STACK_DIR/kannel.conf
    # The file's groups are blank-line separated paragraphs.  smpp: drop
    # the fake SMSC.  both: keep it but deny it messages meant for the SMPP
    # SMSC (Kannel does not send a reply back through the SMSC the MO came
    # from by itself: it picks any SMSC the message may use).
    awk -v mode="$mode" -v id="$KANNEL_SMPP_ID" '
        BEGIN { RS = ""; ORS = "\n\n" }
        /(^|\n)smsc = fake(\n|$)/ {
            if (mode == "smpp") next
            $0 = $0 "\ndenied-smsc-id = \"" id "\""
        }
        { print }' "$conf" >"$conf.tmp" && mv "$conf.tmp" "$conf" || return 1
    {
        cat <<EOF

# SMPP 3.4 SMSC: tests/smpp/peer.js listens, bearerbox connects and binds
# as a transceiver (one bind_transceiver; see tests/smpp/README.md).
group = smsc
smsc = smpp
smsc-id = $KANNEL_SMPP_ID
host = 127.0.0.1
port = $KANNEL_SMPP_PORT
transceiver-mode = true
smsc-username = "$KANNEL_SMPP_SYSTEM_ID"
smsc-password = "$KANNEL_SMPP_PASSWORD"
system-type = ""
# retry a refused connection after 1 s, not the default 10 s, in case
# the peer starts after bearerbox
reconnect-delay = 1
EOF
        if [ -n "${KANNEL_SMPP_MAX_SMS_OCTETS-160}" ]; then
            cat <<EOF
# A USSD page is one message of up to 160 octets (80 UCS-2 / 182 GSM
# characters); at Kannel's default of 140 it would be split in two.
max-sms-octets = ${KANNEL_SMPP_MAX_SMS_OCTETS-160}
EOF
        fi
        if [ "$mode" = both ]; then
            cat <<EOF
# Only messages routed here explicitly: replies to its MOs (they carry
# its smsc-id) and sendsms with smsc=$KANNEL_SMPP_ID.
allowed-smsc-id = "$KANNEL_SMPP_ID"
EOF
        fi
        if [ -n "${KANNEL_SMPP_SERVICE_TYPE:-}" ]; then
            printf 'service-type = "%s"\n' "$KANNEL_SMPP_SERVICE_TYPE"
        fi
        if [ -n "${KANNEL_SMPP_SMSC_EXTRA:-}" ]; then
            printf '%s\n' "$KANNEL_SMPP_SMSC_EXTRA"
        fi
        cat <<EOF

# USSD TLVs: their raw octets reach %D as ?smpp?ussd_service_op=..&
# its_session_info=..&; replies set them with X-Kannel-Meta-Data.
group = smpp-tlv
name = ussd_service_op
tag = 0x0501
type = integer
length = 1
smsc-id = $KANNEL_SMPP_ID

group = smpp-tlv
name = its_session_info
tag = 0x1383
type = octetstring
length = 2
smsc-id = $KANNEL_SMPP_ID
EOF
    } >>"$conf"
}

# start_smpp_peer
#   Start "$NODE $SMPP_PEER" on 127.0.0.1:KANNEL_SMPP_PORT, checking the
#   bind credentials, commands from the FIFO STACK_DIR/smpp.in (held open
#   read-write on STACK_SMPP_FD, like fakesmsc's), events to
#   STACK_DIR/smpp.events.  Ready when it listens; if bearerbox is already
#   running, also waits for smpp_wait_bound.  Call it before or after
#   start_kannel (before: then smpp_wait_bound after start_kannel).
#   stop_all stops it (SIGTERM); stop_smpp_peer also closes the FIFO.
start_smpp_peer() {
    local fifo=$STACK_DIR/smpp.in missing bb
    missing=$(smpp_missing)
    if [ -n "$missing" ]; then
        stack_log "SMPP peer: missing:$missing"
        return 1
    fi
    stack_defaults_smpp || return 1
    if [ -n "$STACK_SMPP_FD" ]; then exec {STACK_SMPP_FD}>&-; fi
    rm -f "$fifo" && mkfifo "$fifo" || return 1
    exec {STACK_SMPP_FD}<>"$fifo" || return 1
    : >"$STACK_DIR/smpp.events"
    _stack_launch smpp TERM "$fifo" "$STACK_DIR/smpp.out" \
        "$NODE" "$SMPP_PEER" --host 127.0.0.1 --port "$KANNEL_SMPP_PORT" \
        --system-id "$KANNEL_SMPP_SYSTEM_ID" --password "$KANNEL_SMPP_PASSWORD" \
        --events "$STACK_DIR/smpp.events"
    if ! _stack_wait "$STACK_TIMEOUT" "$STACK_LAST_PID" "SMPP peer" \
        grep -q '"event":"listening"' "$STACK_DIR/smpp.events"; then
        stack_tail "$STACK_DIR/smpp.out" "$STACK_DIR/smpp.events"
        return 1
    fi
    bb=$(stack_pid bearerbox 2>/dev/null)
    if [ -n "$bb" ] && _stack_alive "$bb"; then
        smpp_wait_bound "$STACK_TIMEOUT"
    fi
}

# smpp_wait_bound [SECONDS]
#   Wait until Kannel has bound to the peer (a "bound" event) and the status
#   page shows the SMPP SMSC online.
smpp_wait_bound() {
    local secs=${1:-$STACK_TIMEOUT} pid
    pid=$(stack_pid smpp) || return 1
    if ! _stack_wait "$secs" "$pid" "SMPP bind" _smpp_bound; then
        stack_tail "$STACK_DIR/smpp.events" "$STACK_DIR/bearerbox.log"
        return 1
    fi
}

_smpp_bound() {
    local id=$KANNEL_SMPP_ID
    grep -q '"event":"bound"' "$STACK_DIR/smpp.events" &&
        _kannel_status_has "^ *$id\\[$id\\] .*\\(online"
}

# smpp_events: every event line so far.
smpp_events() {
    cat "$STACK_DIR/smpp.events"
}

# smpp_count [EVENT]
#   Number of event lines (of type EVENT, e.g. submit_sm) so far; pass it
#   as AFTER to smpp_wait / smpp_wait_submit to see only newer ones.
smpp_count() {
    local n
    if [ -n "${1:-}" ]; then
        n=$(grep -ac "^{\"event\":\"$1\"" "$STACK_DIR/smpp.events")
    else
        n=$(grep -ac '^{"event":' "$STACK_DIR/smpp.events")
    fi
    echo "${n:-0}"
}

# smpp_send LINE
#   Send one command to the peer (see the top of tests/smpp/peer.js:
#   "mo FROM TO OP SESSION TEXT", "sms FROM TO TEXT", "dlr ID", "set ...")
#   and wait until the peer has carried it out.  Fails, printing the peer's
#   reason, if it refused the command (e.g. nobody bound).
smpp_send() {
    local line=$1 before end ack
    if [ -z "$STACK_SMPP_FD" ]; then
        echo "smpp_send: the SMPP peer is not running" >&2
        return 1
    fi
    case $line in *$'\n'* | *$'\r'*)
        echo "smpp_send: line breaks cannot be sent" >&2
        return 1 ;;
    esac
    before=$(smpp_count command)
    printf '%s\n' "$line" >&"$STACK_SMPP_FD" || return 1
    end=$((SECONDS + STACK_TIMEOUT))
    while (($(smpp_count command) <= before)); do
        if ((SECONDS >= end)) || ! _stack_alive "$(stack_pid smpp)"; then
            echo "smpp_send: the peer did not answer" >&2
            return 1
        fi
        sleep 0.05
    done
    ack=$(grep -a '^{"event":"command"' "$STACK_DIR/smpp.events" | tail -n +$((before + 1)) | head -n1)
    case $ack in
    *'"ok":true'*) return 0 ;;
    *) echo "smpp_send: refused: $ack" >&2; return 1 ;;
    esac
}

# smpp_mo FROM TO OP SESSION TEXT
#   A USSD MO (OP, SESSION as for the peer's "mo": e.g. 1 and 42/1, "-" for
#   no TLV), waiting until Kannel has acknowledged it (deliver_sm_resp with
#   status 0).  smpp_sms FROM TO TEXT: the same for a plain SMS.
smpp_mo() {
    _smpp_deliver "mo $1 $2 $3 $4 $5"
}
smpp_sms() {
    _smpp_deliver "sms $1 $2 $3"
}

_smpp_deliver() {
    local seq line
    smpp_send "$1" || return 1
    # commands run one at a time: the newest deliver_sm is this one
    seq=$(grep -a '^{"event":"deliver_sm","seq":' "$STACK_DIR/smpp.events" | tail -n1 |
        sed 's/^{"event":"deliver_sm","seq":\([0-9]*\),.*/\1/')
    line=$(smpp_wait "^\\{\"event\":\"deliver_sm_resp\",\"seq\":$seq," "$STACK_TIMEOUT") || {
        echo "_smpp_deliver: Kannel did not acknowledge deliver_sm $seq" >&2
        return 1
    }
    case $line in
    *'"command_status":0}'*) return 0 ;;
    *) echo "_smpp_deliver: Kannel refused: $line" >&2; return 1 ;;
    esac
}

# smpp_wait PATTERN [SECONDS [AFTER]]
#   Poll the event lines after the first AFTER (default 0) until one matches
#   PATTERN (grep -E); print it.  Returns 1 on timeout.
smpp_wait() {
    _smpp_wait_among '^{"event":' "$@"
}

# smpp_wait_submit PATTERN [SECONDS [AFTER]]
#   Like smpp_wait among the submit_sm events only (AFTER counts submit_sm
#   events: smpp_count submit_sm).  Keys come in a fixed order, so e.g.
#   '"to":"\+996555123456".*"ussd_service_op":17,' works; text is raw UTF-8.
smpp_wait_submit() {
    _smpp_wait_among '^{"event":"submit_sm"' "$@"
}

# _smpp_wait_among KIND PATTERN [SECONDS [AFTER]]: smpp_wait among the
# event lines that match KIND (grep).
_smpp_wait_among() {
    local kind=$1 pat=$2 secs=${3:-$STACK_TIMEOUT} after=${4:-0} line
    local end=$((SECONDS + secs))
    while :; do
        if line=$(grep -a -- "$kind" "$STACK_DIR/smpp.events" | tail -n "+$((after + 1))" |
            grep -a -E -m1 -- "$pat"); then
            printf '%s\n' "$line"
            return 0
        fi
        ((SECONDS >= end)) && return 1
        sleep 0.1
    done
}

# smpp_field JSONLINE KEY
#   One field of an event line, exactly (strings unescaped, null as "null",
#   numbers in decimal), e.g. smpp_field "$line" text.
smpp_field() {
    "$NODE" -e 'const v = JSON.parse(process.argv[1])[process.argv[2]];
        process.stdout.write((typeof v === "string" ? v : JSON.stringify(v === undefined ? null : v)) + "\n");' \
        -- "$1" "$2"
}

# stop_smpp_peer
#   Stop the peer alone (SIGTERM, by PID; SIGKILL after STACK_STOP_WAIT) and
#   close its FIFO, e.g. to see Kannel reconnect to a new one.
stop_smpp_peer() {
    local pid end
    pid=$(stack_pid smpp 2>/dev/null)
    if [ -n "$pid" ] && _stack_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        end=$((SECONDS + STACK_STOP_WAIT))
        while _stack_alive "$pid" && ((SECONDS < end)); do sleep 0.1; done
        _stack_alive "$pid" && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    if [ -n "$STACK_SMPP_FD" ]; then
        exec {STACK_SMPP_FD}>&-
        STACK_SMPP_FD=
    fi
    return 0
}
