#!/bin/bash
#
# tests/integration/daemon.sh - chabard as a process: options, config
# errors, every /kannel/mo input form, bad input, SIGHUP reload (good and
# bad), a database that refuses writes (503, then stored once), privacy of
# the log, and a clean SIGTERM. Real daemon, real sockets, real SQLite file;
# Kannel itself is exercised by kannel_mo.sh. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin daemon
write_chabar_conf "$T/chabar.conf" || exit 1
# Unknown numbers sending no keyword get this (the test config's language
# is English).
UNKNOWN=$(catalog_text en global.unknown)
BASE="http://127.0.0.1:$CHABAR_PORT"

# mo ARGS...: a request to /kannel/mo; prints "STATUS BODY".
mo() {
    stack_curl -o "$T/body" -w '%{http_code}' "$@" >"$T/status"
    printf '%s %s' "$(cat "$T/status")" "$(cat "$T/body")"
}
sql() { stack_sql "$@"; }

tap_plan 49

# --- options and config checking -------------------------------------------
like "$("$CHABARD" -V)" '^chabard [0-9]+\.[0-9]+' "-V prints the version"
printf '[chabard]\nmax_body = lots\nwhat = 1\n[kannel]\nkey = short\n' >"$T/bad.conf"
out=$("$CHABARD" -n -c "$T/bad.conf" 2>&1 | tr "\n" " ")
"$CHABARD" -n -c "$T/bad.conf" >/dev/null 2>&1
is "$?" 1 "-n on a bad config exits 1"
like "$out" "bad.conf:2: \[chabard\] max_body.*bad.conf:3: unknown key.*bad.conf:5: \[kannel\] key" \
    "-n prints every error as file:line"
"$CHABARD" -n -c "$T/chabar.conf" >/dev/null 2>&1
is "$?" 0 "-n on a good config exits 0"

# --- start ---------------------------------------------------------------
start_chabard "$T/chabar.conf" || bail "chabard starts and answers /health"
ok 0 "chabard starts and answers /health"
like "$(stack_curl "$BASE/health")" '"status":"ok".*"database":"ok"' "/health reports the database"
is "$(stat -c %a "$CHABAR_DB" "$CHABAR_DB-wal")" "600
600" "the database chabard made, and its WAL, are the owner's alone"
sed "s|^database = .*|database = $T/made-by-ctl.db|" "$T/chabar.conf" >"$T/ctl.conf"
(umask 022 && "$CHABARCTL" -c "$T/ctl.conf" migrate >/dev/null 2>&1)
is "$(stat -c %a "$T/made-by-ctl.db" 2>&1)" 600 \
    "so is one chabarctl makes from a shell with umask 022"

# --- the input forms Kannel uses -----------------------------------------
K="key=$CHABAR_KEY"
is "$(mo "$BASE/kannel/mo?$K&from=%2B996555000111&to=384&text=secret+body+one&id=id-get&coding=0&smsc=fake&ts=1700000000")" \
    "200 $UNKNOWN" "get-url query: 200 with the reply for an unknown word"
is "$(sql "select msisdn||'|'||peer||'|'||text||'|'||smsc||'|'||sent_at from messages where network_id='id-get'")" \
    "996555000111|384|secret body one|fake|1700000000" "the MO row holds every field, number normalised"
is "$(sql "select count(*) from messages r join messages m on r.in_reply_to=m.id where m.network_id='id-get' and r.direction='out'")" \
    1 "the reply is stored, linked to the MO"
is "$(mo -d "$K&from=996555000112&text=form+post&id=id-form" "$BASE/kannel/mo")" \
    "200 $UNKNOWN" "form POST: 200"
is "$(sql "select text from messages where network_id='id-form'")" "form post" "form POST stored"
is "$(mo -H 'Content-Type: text/plain; charset="UTF-8"' -H 'X-Kannel-From: +996555000113' \
    -H 'X-Kannel-Coding: 0' --data-binary 'raw post-url text' "$BASE/kannel/mo?$K&id=id-raw")" \
    "200 $UNKNOWN" "post-url (raw body, X-Kannel headers): 200"
is "$(sql "select msisdn||'|'||text from messages where network_id='id-raw'")" \
    "996555000113|raw post-url text" "post-url stored"
is "$(mo "$BASE/kannel/mo?$K&from=996555000114&text=%04%1F%04%40%04%38&coding=2&charset=UTF-16BE&id=id-ucs2")" \
    "200 $UNKNOWN" "UCS-2 MO: 200"
is "$(sql "select text from messages where network_id='id-ucs2'")" "При" "UCS-2 stored as UTF-8"

# --- bad input -------------------------------------------------------------
is "$(mo "$BASE/kannel/mo?$K&text=hello")" "400 missing from" "no sender: 400 naming it"
is "$(mo "$BASE/kannel/mo?$K&from=996555000115&coding=9")" "400 bad coding" "bad coding: 400"
is "$(mo "$BASE/kannel/mo?key=wrong-key-of-some-length&from=996555000116")" "403 forbidden" "wrong key: 403"
is "$(mo "$BASE/kannel/mo?from=996555000116")" "403 forbidden" "no key: 403"
is "$(mo "$BASE/kannel/mo?$K&from=996555000117&text=%FF%FEgarbage%00&id=id-bin")" \
    "200 $UNKNOWN" "invalid UTF-8 with a NUL: answered"
is "$(sql "select typeof(text)||length(text) from messages where network_id='id-bin'")" "blob10" \
    "invalid UTF-8 kept byte for byte as a BLOB"
head -c 300000 /dev/zero | tr '\0' a >"$T/big"
is "$(mo --data-binary @"$T/big" "$BASE/kannel/mo?$K&from=996555000118")" "413 body too large" \
    "a body over max_body: 413"
# The longest MO Kannel hands over (255 parts) fits through post-url, and a
# long one through get-url too (the URL percent-encoded: 5,000 Cyrillic
# characters, 75 parts, make 30 KB, within max_header's default); stored whole.
long=$(printf '%.0sЖ' $(seq 5000) | od -An -tx1 -v | tr -d ' \n' | sed 's/../%&/g')
is "$(mo "$BASE/kannel/mo?$K&from=996555000119&text=$long&id=id-long" | cut -c1-3)" 200 \
    "75 parts of Cyrillic through get-url: answered"
is "$(sql "select length(text)||' '||length(cast(text as blob)) from messages where network_id='id-long'")" \
    "5000 10000" "and stored whole, not cut"
printf '%.0sb' $(seq 39015) >"$T/long"
is "$(mo --data-binary @"$T/long" -H 'Content-Type: text/plain; charset="UTF-8"' \
    "$BASE/kannel/mo?$K&from=996555000119&id=id-long-post" | cut -c1-3)" 200 \
    "255 parts of GSM text through post-url: answered"
is "$(sql "select length(text) from messages where network_id='id-long-post'")" 39015 \
    "and stored whole"
head -c 70000 /dev/zero | tr '\0' c >"$T/too-long"
is "$(mo --data-binary @"$T/too-long" -H 'Content-Type: text/plain' "$BASE/kannel/mo?$K&from=996555000119&id=id-too-long")" \
    "413 text too long" "a text no Kannel sends (over 64 KiB): 413, which Kannel logs"
_stack_wait 5 "" "the refusal's log line" grep -q 'reason=text_too_long' "$T/chabard.out"
like "$(grep 'reason=text_too_long' "$T/chabard.out")" 'id=id-too-long bytes=70000' \
    "and chabard's log names its Kannel id"
is "$(sql "select count(*) from messages where network_id='id-too-long'")" 0 \
    "and nothing of it is stored as if it were whole"

# --- a database that refuses writes: 503, then stored exactly once -----------
stack_db_lock
is "$(mo "$BASE/kannel/mo?$K&from=996555000120&text=retry+me&id=id-busy" | cut -c1-3)" 503 \
    "a locked database: 503, so Kannel retries"
stack_db_unlock
is "$(mo "$BASE/kannel/mo?$K&from=996555000120&text=retry+me&id=id-busy")" "200 $UNKNOWN" \
    "the retry succeeds"
is "$(mo "$BASE/kannel/mo?$K&from=996555000120&text=retry+me&id=id-busy")" "200 $UNKNOWN" \
    "a second retry gets the same reply"
is "$(sql "select count(*) from messages where network_id='id-busy'")" 1 "and it is stored once"

# --- reload ----------------------------------------------------------------
# reloaded N / refused N: chabard has logged at least N good / failed
# reloads (functions, so each poll counts again).
reloaded() { [ "$(grep -c 'event=reloaded' "$T/chabard.out")" -ge "$1" ]; }
refused() { [ "$(grep -c 'event=reload_failed' "$T/chabard.out")" -ge "$1" ]; }
pid=$(stack_pid chabard)
cp "$T/chabar.conf" "$T/good.conf"
printf '[chabard]\nmax_body = nonsense\n' >>"$T/chabar.conf"
kill -HUP "$pid"
_stack_wait 10 "$pid" reload refused 1
is "$(mo "$BASE/kannel/mo?$K&from=996555000121")" "200 $UNKNOWN" \
    "a bad reload keeps the running config"
# A text too long for a USSD page in Kyrgyz, then a flow that does not
# load: each refused with file:line, and the running flows stay.
mkdir "$T/flows" "$T/locales"
cp "$CHABAR_FLOWS"/*.flow "$T/flows/" && cp "$CHABAR_LOCALES"/*.po "$T/locales/"
long=$(printf 'Ж%.0s' $(seq 90))
sed -i "/^msgid \"global.cancelled\"/{n;s/^msgstr .*/msgstr \"$long\"/}" "$T/locales/ky.po"
sed -e "s|^flows = .*|flows = $T/flows|" -e "s|^locales = .*|locales = $T/locales|" \
    "$T/good.conf" >"$T/chabar.conf"
like "$("$CHABARD" -n -c "$T/chabar.conf" 2>&1 | tr '\n' ' ')" \
    "cancel.flow:[0-9]+: global.cancelled in ky takes 90 ucs2 characters" \
    "-n names a text that does not fit a USSD page, with the flow's file:line"
printf 'flow broken\n  trigger keyword BROKEN\n  start nowhere\n' >"$T/flows/broken.flow"
like "$("$CHABARD" -n -c "$T/chabar.conf" 2>&1 | tr '\n' ' ')" "broken.flow:3: no node nowhere" \
    "-n names a broken flow with file:line"
kill -HUP "$pid"
_stack_wait 10 "$pid" reload refused 2
is "$(mo "$BASE/kannel/mo?$K&from=996555000121&text=cancel")" "200 $(catalog_text en global.cancelled)" \
    "a reload with bad flows keeps the running ones"
sed 's/^default_language = .*/default_language = ru/' "$T/good.conf" >"$T/chabar.conf"
kill -HUP "$pid"
_stack_wait 10 "$pid" reload reloaded 1
is "$(mo "$BASE/kannel/mo?$K&from=996555000122")" "200 $(catalog_text ru global.unknown)" \
    "a good reload applies (the default language is now Russian)"
sed 's/^allow = .*/allow = 127.0.0.9/' "$T/good.conf" >"$T/chabar.conf"
kill -HUP "$pid"
_stack_wait 10 "$pid" reload reloaded 2
is "$(mo "$BASE/kannel/mo?$K&from=996555000123")" "403 forbidden" "a peer outside allow: 403"

# --- privacy and stop --------------------------------------------------------
! grep -Eq '996555000[0-9]{3}|secret body|retry me' "$T/chabard.out"
ok $? "the info-level log holds no full number and no message text"
# SIGTERM while a request is half sent: chabard stops accepting, finishes
# that request, and only then exits.
sed 's/^allow = .*/allow = 127.0.0.1/' "$T/good.conf" >"$T/chabar.conf"
kill -HUP "$pid"
_stack_wait 10 "$pid" reload reloaded 3
body="$K&from=996555000124&text=in+flight&id=id-drain"
exec {conn}<>"/dev/tcp/127.0.0.1/$CHABAR_PORT"
printf 'POST /kannel/mo HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s' \
    "${#body}" "${body:0:10}" >&"$conn"
# /health counts itself: 2 in flight means chabard has our half request.
begun() { stack_curl "$BASE/health" | grep -q '"in_flight":2'; }
_stack_wait 10 "$pid" "request begun" begun
kill -TERM "$pid"
_stack_wait 10 "$pid" stopping grep -q 'event=stopping.*active=1' "$T/chabard.out"
ok $? "SIGTERM with a request in flight: chabard waits for it"
is "$(stack_curl -o /dev/null -w '%{http_code}' "$BASE/health")" 000 "no new connections while draining"
printf '%s' "${body:10}" >&"$conn"
response=$(timeout 10 cat <&"$conn" | tr "\r\n" "  ")
exec {conn}>&-
like "$response" "^HTTP/1.1 200 .*$UNKNOWN" "the request in flight is answered"
_stack_wait 10 "" stop bash -c "! kill -0 $pid 2>/dev/null"
grep -q 'event=stopped' "$T/chabard.out"
ok $? "then chabard stops cleanly"
is "$(sql "select count(*) from messages where network_id='id-drain'")" 1 "the drained request was stored"
is "$(sql 'pragma integrity_check')" ok "the database is intact after the stop"

# --- start-up failures are fatal with the reason -----------------------------
sqlite3 "$T/newer.db" 'pragma user_version = 999'
sed "s|^database = .*|database = $T/newer.db|" "$T/good.conf" >"$T/newer.conf"
out=$("$CHABARD" -f -c "$T/newer.conf" 2>&1)
like "$out" "event=fatal.*newer.db.*newer than this chabar" "a newer database is refused at start"

tap_done
