#!/bin/bash
#
# tests/integration/kannel_mo.sh - MO through a real Kannel into chabard.
#
# Starts bearerbox + smsbox (Debian's kannel), chabard and fakesmsc
# (kannel-extras) on 127.0.0.1 with free ports in a private temp dir, then
# checks that an SMS reaches chabard, is stored in SQLite and answered, that
# the shared key is enforced, that UCS-2 text is stored as UTF-8 and that a
# repeated Kannel id is stored once.  TAP output for automake's tap-driver.
#
# Environment: top_builddir (where gateway/chabard is built; default: the
# tree this script is in), CHABARD (the binary, overrides top_builddir),
# CHABAR_KEEP_TMP=1 keeps the temp dir for post-mortems.  Missing Kannel
# binaries make the test fail, not skip: this is the test that proves the
# gateway works with the real Kannel.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }

: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"

PLAN=20
tap_plan $PLAN

sql() { stack_sql "$@"; }

stack_test_begin kannel-mo smsbox.log bearerbox.log fakesmsc.log

# --- 1: everything we need is installed and built -------------------------
missing=$(stack_missing "$CHABARD")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
ok 0 "prerequisites present"

# --- 2-4: bring the stack up ---------------------------------------------
write_kannel_conf || bail "write kannel.conf"
write_chabar_conf "$T/chabar.conf" || bail "write chabar.conf"
# The test config answers in English; these numbers are not enrolled.
NOT_ENROLLED=$(catalog_text en global.not_enrolled)
UNKNOWN=$(catalog_text en global.unknown)

start_kannel || bail "bearerbox and smsbox ready"
ok 0 "bearerbox and smsbox ready"

start_chabard "$T/chabar.conf" || bail "chabard answers /health"
ok 0 "chabard answers /health"

start_fakesmsc || bail "fakesmsc connected, fake SMSC online"
ok 0 "fakesmsc connected, fake SMSC online"

MO_URL="http://127.0.0.1:$CHABAR_PORT/kannel/mo"

# --- 5-7: an MO is answered and stored -------------------------------------
before=$(mt_count)
send_mo +996555123456 384 CHECKIN
# the reply goes back from the service number to the sender
line=$(wait_mt '^384 [+]?996555123456 ' 15 "$before")
is "$(decode_mt "${line:-x x text}")" "$NOT_ENROLLED" \
    "CHECKIN from an unknown number: the phone gets the not-registered notice"

is "$(sql "select count(*) from messages where direction='in' and network_id is not null")" 1 \
    "the MO is stored once, with Kannel's id"

# hex() compares bytes whether the column holds TEXT or BLOB
is "$(sql "select count(*) from messages where direction='in' and hex(text) = hex('CHECKIN')")" 1 \
    "the stored text is the text sent"

# --- 8-10: the shared key is enforced -------------------------------------
rows=$(sql "select count(*) from messages")
code=$(stack_curl -o /dev/null -w '%{http_code}' \
    "$MO_URL?key=wrong$CHABAR_KEY&from=%2B996555000001&to=384&text=hi&id=$(stack_uuid)")
is "$code" 403 "wrong key is refused with 403"
code=$(stack_curl -o /dev/null -w '%{http_code}' \
    "$MO_URL?from=%2B996555000001&to=384&text=hi&id=$(stack_uuid)")
is "$code" 403 "missing key is refused with 403"
[ -n "$rows" ] && [ "$(sql "select count(*) from messages")" = "$rows" ]
ok $? "refused requests store nothing"

# --- 11-12: UCS-2 (Cyrillic) MO is stored as UTF-8 ------------------------
before=$(mt_count)
send_mo_ucs2 +996555123456 384 "Привет"
line=$(wait_mt '^384 [+]?996555123456 ' 15 "$before")
ok $? "reply to a UCS-2 MO reaches the phone"
is "$(sql "select count(*) from messages where direction='in' and hex(text) = hex('Привет')")" 1 \
    "UCS-2 MO stored as UTF-8 text"

# --- 13-14: a repeated Kannel id (smsbox retry) is stored once -------------
id=$(stack_uuid)
dup_url="$MO_URL?id=$id&key=$CHABAR_KEY&from=%2B996555000002&to=384&text=hi"
c1=$(stack_curl -o "$T/dup1" -w '%{http_code}' "$dup_url")
c2=$(stack_curl -o "$T/dup2" -w '%{http_code}' "$dup_url")
[ "$c1" = 200 ] && [ "$c2" = 200 ] && cmp -s "$T/dup1" "$T/dup2"
ok $? "same Kannel id twice: 200 and the same reply body both times ($c1, $c2)"
is "$(sql "select count(*) from messages where network_id = '$id'")" 1 \
    "same Kannel id twice: exactly one row"

# --- 15-17: the database refuses a write: Kannel retries, nothing is lost --
# chabard answers 503 while another process holds the write lock; smsbox
# (http-request-retry) asks again with the same id once the lock is gone.
stack_db_lock || bail "another process holds the database lock"
before=$(mt_count)
send_mo +996555123457 384 "after the outage"
_stack_wait 15 "$(stack_pid chabard)" "503 answered" \
    grep -q 'status=503.*from=-.*reason=store_error' "$T/chabard.out"
ok $? "chabard answers 503 while the database refuses writes"
stack_db_unlock
line=$(wait_mt '^384 [+]?996555123457 ' 20 "$before")
is "$(decode_mt "${line:-x x text}")" "$UNKNOWN" "smsbox's retry gets the reply to the phone"
is "$(sql "select count(*) from messages where direction='in' and msisdn='996555123457'")" 1 \
    "the retried MO is stored exactly once"

# --- 18-19: a Cyrillic reply reaches the phone as UCS-2 --------------------
sed -i 's/^default_language = .*/default_language = ru/' "$T/chabar.conf"
kill -HUP "$(stack_pid chabard)"
_stack_wait 10 "" reload grep -q 'event=reloaded' "$T/chabard.out"
before=$(mt_count)
send_mo +996555123458 384 cancel
line=$(wait_mt '^384 [+]?996555123458 ' 15 "$before")
like "$line" ' ucs-2 ' "a Cyrillic reply is sent as UCS-2"
is "$(decode_mt "${line:-x x text}" ucs2)" "$(catalog_text ru global.cancelled)" \
    "and decodes back to the text chabard sent"

# --- 20: Kannel survived all of it ----------------------------------------
_stack_alive "$(stack_pid bearerbox)" && _stack_alive "$(stack_pid smsbox)"
ok $? "bearerbox and smsbox still running"

[ "$TAP_COUNT" -eq "$PLAN" ] || stack_log "ran $TAP_COUNT tests, planned $PLAN"
tap_done
