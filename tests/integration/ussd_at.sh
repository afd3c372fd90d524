#!/bin/bash
#
# tests/integration/ussd_at.sh - USSD through an aggregator (Africa's
# Talking convention) against the real daemon over HTTP: a Kyrgyz check-in
# page by page (CON … END), an answer holding a '*', a retried request,
# a lost step, an expired session, an unknown service code, and bad
# requests (400 naming the field, 403, 413). TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin ussd
USSD_KEY=$(_stack_secret)
CHABAR_CONF_EXTRA=$(printf '[ussd]\nkey = %s\nstep_timeout = 5\n' "$USSD_KEY")
write_chabar_conf "$T/chabar.conf" || exit 1
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@"; }
sql() { stack_sql "$@"; }

tap_plan 43

start_chabard "$T/chabar.conf" || bail "chabard starts"
ctl district add BSK "Bishkek" ky Asia/Bishkek >/dev/null &&
    ctl officer add +996700000001 "Officer" BSK ru &&
    echo 4321 | ctl person add +996555200001 "Айгүл" ky - BSK +996700000001 ||
    bail "enrolment"

URL="http://127.0.0.1:$CHABAR_PORT/ussd/at?key=$USSD_KEY"
# at SESSION CODE TEXT: one aggregator request; prints "STATUS BODY".
at() {
    stack_curl -o "$T/body" -w '%{http_code}' --data-urlencode "sessionId=$1" \
        --data-urlencode "serviceCode=$2" --data-urlencode "phoneNumber=+996555200001" \
        --data-urlencode "networkCode=43709" --data-urlencode "text=$3" "$URL" >"$T/status"
    printf '%s %s' "$(cat "$T/status")" "$(cat "$T/body")"
}
# page KIND LANG KEY: what chabard sends for KEY, as CON or END.
page() { printf '200 %s %s' "$1" "$(catalog_text "$2" "$3")"; }

# --- a Kyrgyz check-in, page by page -----------------------------------------
is "$(at S1 '*384*1#' '')" "$(page CON ky checkin.ask_pin)" "dialling *384*1# asks for the PIN in Kyrgyz"
is "$(at S1 '*384*1#' '12*4')" "$(page CON ky checkin.pin_format | sed 's/{tries}/2/')" \
    "an answer holding a '*' is one answer (not a PIN)"
is "$(at S1 '*384*1#' '12*4*1111')" "$(page CON ky checkin.pin_wrong | sed 's/{tries}/2/')" \
    "the next answer is read after it, by position: a wrong PIN"
like "$(at S1 '*384*1#' '12*4*1111*4321')" "^200 CON $(catalog_text ky checkin.where)"$'\n'"1 " \
    "the right PIN: the menu, one option a line"
before=$(sql "select count(*) from messages where channel='ussd-at'")
is "$(at S1 '*384*1#' '12*4*1111*4321')" "$(cat "$T/status") $(cat "$T/body")" \
    "a retried request gets the same page"
is "$(sql "select count(*) from messages where channel='ussd-at'")" "$before" \
    "and nothing is stored twice"
like "$(at S1 '*384*1#' '12*4*1111*4321*1')" "^200 END " "choosing 1 ends the session"
is "$(sql "select c.location||'|'||c.channel from checkins c join persons p on p.id=c.person_id where p.msisdn='996555200001'")" \
    "home|ussd-at" "the check-in is recorded, from USSD"
is "$(sql "select count(*) from sessions")" 0 "the session is closed"
is "$(sql "select count(*) from outbox")" 0 \
    "the confirmation was shown whole (END): no SMS copy"
like "$(at S1 '*384*1#' '12*4*1111*4321*1')" "^200 END " "a retry of the last page gets it again"

# --- a lost step, an expired session, a new session ---------------------------
at S2 '*384*1#' '' >/dev/null
at S2 '*384*1#' '12' >/dev/null
is "$(at S2 '*384*1#' '99*1')" "$(page END ky global.ussd_lost)" \
    "a text that does not continue the session: END with a restart hint"
at S3 '*384*1#' '' >/dev/null
sql "update sessions set expires_at = 0" >/dev/null
is "$(at S3 '*384*1#' '4321')" "$(page END ky global.expired)" "an expired session: END"
is "$(sql "select count(*) from sessions")" 0 "and it is gone"
at S4 '*384*1#' '' >/dev/null
is "$(at S5 '*384*1#' '')" "$(page CON ky checkin.ask_pin)" "a new network session starts afresh"
is "$(sql "select ussd_session from sessions")" "S5" "and replaces the old one"

# --- a reply longer than a page: page by page ------------------------------------
place="Октябрь райондук пробация бөлүмү, Чүй проспекти 125, үчүнчү кабат, 312-бөлмө, кире бериштен оңго"
ctl appointment add +996555200001 "$(date -d '+2 days' +%Y-%m-%d) 10:00" "$place" || bail "appointment"
first=$(at P1 '*384*2#' '')
like "$first" "^200 CON .*"$'\n'"0 $(catalog_text ky ussd.more)\$" \
    "NEXT over USSD with a long place: page 1 ends with 0 More (in Kyrgyz)"
last=$(at P1 '*384*2#' '0')
like "$last" "^200 END .*бөлмө, кире бериштен оңго\$" "0: the last page ends the session"
is "$(sql "select count(*) from outbox")" 0 "shown to its last page: no SMS copy"
like "$(at P2 '*384*2#' '')" "^200 CON " "the same again, left on page 1"
owed() { [ "$(sql "select count(*) from outbox where kind='fallback' and text like '%кире бериштен оңго'")" = 1 ]; }
_stack_wait 15 "" "the SMS copy" owed
is "$(sql "select count(*) from outbox where kind='fallback' and text like '%кире бериштен оңго'")" 1 \
    "no answer before the step timeout: the whole confirmation goes by SMS, on its own"
is "$(sql "select confirm from sessions where ussd_session='P2'")" 0 "once"

# --- who may use what ------------------------------------------------------------
is "$(at S6 '*999#' '')" "$(page END ky global.unavailable)" "an unknown service code: END"
stack_curl -o "$T/body" -w '%{http_code}' --data-urlencode "sessionId=S7" \
    --data-urlencode "serviceCode=*384*1#" --data-urlencode "phoneNumber=+996555299999" \
    --data-urlencode "text=" "$URL" >"$T/status"
is "$(cat "$T/status") $(cat "$T/body")" "200 END $(catalog_text en global.not_enrolled)" \
    "an unknown number gets END in the default language"

# --- bad requests ------------------------------------------------------------------
code=$(stack_curl -o "$T/body" -w '%{http_code}' -d "sessionId=S8&phoneNumber=1" "$URL")
is "$code $(cat "$T/body")" "400 missing serviceCode" "a missing field: 400 naming it"
code=$(stack_curl -o /dev/null -w '%{http_code}' -d "sessionId=S8&serviceCode=1&phoneNumber=1" \
    "http://127.0.0.1:$CHABAR_PORT/ussd/at?key=wrong-key-0123456789")
is "$code" 403 "a wrong key: 403"
code=$(stack_curl -o /dev/null -w '%{http_code}' -d "sessionId=S8&serviceCode=1&phoneNumber=x!" "$URL")
is "$code" 400 "a phone number that is not one: 400"
head -c 300000 /dev/zero | tr '\0' a >"$T/big"
code=$(stack_curl -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$URL")
is "$code" 413 "a body over max_body: 413"
# A value that would forge a log line or a row is refused at the edge.
lines=$(wc -l <"$T/chabard.out")
code=$(stack_curl -o "$T/body" -w '%{http_code}' --data-urlencode "sessionId=S9" \
    --data-urlencode "serviceCode=*384#
2026-01-01T00:00:00Z level=error event=fake" --data-urlencode "phoneNumber=+996555200009" "$URL")
is "$code $(cat "$T/body")" "400 bad serviceCode" "a serviceCode holding a newline: 400"
_stack_wait 5 "" "the refusal's log line" grep -q 'reason="bad serviceCode"' "$T/chabard.out"
is "$(tail -n +"$((lines + 1))" "$T/chabard.out" | grep -c 'event=fake')" 0 \
    "and no forged line reaches the log"
# --- the same flows over SMPP, as Kannel passes them to /kannel/mo -------------
# meta is what smsbox's %D carries once form-decoded: raw octets, percent-
# encoded (ussd_service_op 1 = the person dialled, 18 = an answer).
MO="http://127.0.0.1:$CHABAR_PORT/kannel/mo?key=$CHABAR_KEY"
smpp() { # OP ID TEXT: prints "STATUS META|BODY"
    stack_curl -D "$T/headers" -o "$T/body" -w '%{http_code}' "$MO" --data-urlencode "id=$2" \
        --data-urlencode "from=+996555200001" --data-urlencode "to=384" \
        --data-urlencode "text=$3" --data-urlencode "meta=?smpp?ussd_service_op=%$1&its_session_info=*%02&" \
        >"$T/status"
    printf '%s %s|%s' "$(cat "$T/status")" \
        "$(sed -n 's/^X-Kannel-Meta-Data: \(.*\)\r$/\1/p' "$T/headers")" "$(cat "$T/body")"
}
CONTINUE='?smpp?ussd_service_op=2&its_session_info=%2A%02'
END_OP='?smpp?ussd_service_op=17&its_session_info=%2A%02'
is "$(smpp 01 m1 '*384*1#')" "200 $CONTINUE|$(catalog_text ky checkin.ask_pin)" \
    "SMPP: dialling asks for the PIN, and tells Kannel to continue (op 2, session echoed)"
like "$(smpp 12 m2 4321)" "^200 $(printf '%s' "$CONTINUE" | sed 's/[?*.]/\\&/g')\|$(catalog_text ky checkin.where)" \
    "SMPP: the PIN (op 18) gets the menu"
like "$(smpp 12 m3 2)" "^200 $(printf '%s' "$END_OP" | sed 's/[?*.]/\\&/g')\|" \
    "SMPP: the last answer ends the session (op 17)"
is "$(smpp 12 m3 2 | cut -d'|' -f1)" "200 $END_OP" "SMPP: a retry by Kannel gets the same op"
is "$(sql "select count(*) from checkins where channel='ussd-smpp'")" 1 "SMPP: the check-in is recorded"
smpp 81 m3a '' >/dev/null
like "$(sql "select text from outbox where kind = 'fallback' order by id desc limit 1")" \
    "^$(catalog_text ky checkin.done | sed 's/{.*//')" \
    "SMPP: an abort just after the confirmation's END: it may not have shown, so it goes by SMS"
smpp 81 m3b '' >/dev/null
is "$(sql "select count(*) from outbox where kind = 'fallback' and text like '$(catalog_text ky checkin.done | sed 's/{.*//')%'")" 1 \
    "SMPP: once"
smpp 01 m4 '*384*1#' >/dev/null
is "$(smpp 81 m5 '' | cut -d'|' -f2)" "" "SMPP: an abort (0x81) gets an empty answer (nothing sent)"
is "$(sql "select count(*) from sessions where channel='ussd-smpp'")||$(sql "select status from messages where network_id='m5'")" \
    "0||aborted" "SMPP: the session is over and the abort is stored"
like "$(smpp 01 m6 '*384*2#')" "^200 $(printf '%s' "$CONTINUE" | sed 's/[?*.]/\\&/g')\|" \
    "SMPP: NEXT with the long place: page 1, the session goes on"
smpp 81 m7 '' >/dev/null
is "$(sql "select count(*) from outbox where kind='fallback' and text like '%кире бериштен оңго'")" 2 \
    "SMPP: the network aborts before the last page: the whole confirmation goes by SMS"

_stack_alive "$(stack_pid chabard)"
ok $? "chabard is still running"
! grep -Eq '996555200001|4321' "$T/chabard.out"
ok $? "the log holds neither the number nor the PIN"

tap_done
