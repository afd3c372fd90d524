#!/bin/bash
#
# tests/integration/outbox.sh - what chabar says first reaches the phone.
#
# Real Kannel (bearerbox + smsbox + fakesmsc) and chabard with [sendsms]
# pointing at smsbox's sendsms. A person gets the check-in PIN wrong three
# times: the officer's alert is queued in the same commit as the answer,
# the sender hands it to sendsms at once, and fakesmsc receives it on the
# officer's number; the row is accepted, and Kannel's reports (the SMSC's
# acknowledgement, then delivered) come back to /kannel/dlr. Reports that are not ours are
# answered 200 and ignored. An officer who texted STOP gets no alert: it
# fails at once as opted out and goes to the district's next officer.
# TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin outbox smsbox.log
tap_plan 13

missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
PERSON=+996555100001 OFFICER=996555900001
write_kannel_conf || bail "kannel.conf written"
CHABAR_CONF_EXTRA=$(chabar_sendsms_conf)
write_chabar_conf "$T/chabar.conf" || bail "chabar.conf written"
start_kannel && start_chabard "$T/chabar.conf" && start_fakesmsc ||
    bail "Kannel, chabard and fakesmsc start"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null; }
ctl district add BSK "Bishkek" en Asia/Bishkek &&
    ctl officer add "+$OFFICER" "Bakyt Osmonov" BSK en &&
    ctl person add "$PERSON" "Aibek Testov" en 4321 BSK "+$OFFICER" >/dev/null ||
    bail "a person enrolled with an officer"
sql() { stack_sql "$@"; }

before=$(mt_count)
for text in CHECKIN 1111 2222 3333; do
    send_mo "$PERSON" 384 "$text" || bail "MO $text sent"
done
line=$(wait_mt "^384 [+]?$OFFICER " 20 "$before")
ref() { sql "select i.ref from incidents i join persons p on p.id = i.person_id where p.msisdn = '${1#+}'"; }
is "$(decode_mt "${line:-x x text}")" "$(catalog_text en alert.pin_locked | sed "s/{name}/Aibek Testov/; s/{ref}/$(ref "$PERSON")/")" \
    "three wrong PINs: the officer's phone gets the alert, in the officer's language"
is "$(sql "select count(*) from outbox where kind = 'alert' and msisdn = '$OFFICER'")" 1 \
    "from one outbox row"
settled() { [ "$(sql "select status from outbox where kind = 'alert'")" = delivered ]; }
_stack_wait 10 "" "the delivery report" settled
is "$(sql "select status || ' ' || attempts from outbox where kind = 'alert'")" "delivered 1" \
    "Kannel took it at the first attempt, and its report says delivered"
like "$(sql "select last_error || ' ' || coalesce(smsc_message_id, '-') from outbox where kind = 'alert'")" \
    '^delivered to the phone.* [0-9a-f-]+$' "with the SMSC's message id"
like "$(grep 'route=/kannel/dlr' "$T/chabard.out" | tr '\n' ' ')" \
    'status=200 .*id=1 type=8.*status=200 .*id=1 type=1' \
    "both reports (SMSC accepted, then delivered) came back to /kannel/dlr"
id=$(sql "select id from outbox where kind = 'alert'")
DLR="http://127.0.0.1:$CHABAR_PORT/kannel/dlr"
is "$(stack_curl "$DLR?id=$id&mark=00000000000000000000000000000000&status=1")" "ignored" \
    "a report with a mark that is not ours: 200, ignored"
is "$(sql "select status from outbox where id = $id")" delivered "and the row is untouched"
like "$(cat "$T/chabard.out")" 'event=dlr_ignored reason=not_ours' "the log says why"
like "$(stack_curl "http://127.0.0.1:$CHABAR_PORT/metrics" | tr '\n' ' ')" \
    'chabar_outbox_requests_total\{result="accepted"\} 1 .*chabar_delivery_reports_total\{type="delivered"\} 1 .*type="smsc_accepted"\} 1 .*type="ignored"\} 1 ' \
    "/metrics counts the request and the reports"

# --- STOP: nothing but answers ----------------------------------------------------
OFFICER2=996555900002
ctl officer add "+$OFFICER2" "Second Officer" BSK ru &&
    ctl person add +996555100002 "Bolot Testov" en 4321 BSK "+$OFFICER" >/dev/null ||
    bail "a second officer, and a person of the first"
before=$(mt_count)
send_mo "+$OFFICER" 384 STOP || bail "STOP sent"
wait_mt "^384 [+]?$OFFICER " 20 "$before" >/dev/null || bail "STOP answered"
is "$(sql "select opted_out from contacts where msisdn = '$OFFICER'")" 1 "the officer's STOP is kept"
before=$(mt_count)
for text in CHECKIN 1111 2222 3333; do
    send_mo +996555100002 384 "$text" || bail "MO $text sent"
done
wait_mt "^384 [+]?$OFFICER2 " 20 "$before" >/dev/null # the lockout, its ref made
want=$(catalog_text ru alert.pin_locked | sed "s/{name}/Bolot Testov/; s/{ref}/$(ref +996555100002)/")
is "$(wait_mt_text "$OFFICER2" "$want" 20 "$before")" "$want" \
    "the alert goes to the district's other officer, in Russian"
is "$(sql "select status || '|' || last_error || '|' || attempts from outbox where kind = 'alert' and related_id = 2 order by id limit 1")" \
    "failed|opted out|0" "the opted-out officer's row failed at once, never tried"
is "$(mt_lines | tail -n "+$((before + 1))" | grep -c "^384 [+]\?$OFFICER ")" 0 \
    "and the officer who said STOP got nothing"
