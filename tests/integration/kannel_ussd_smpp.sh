#!/bin/bash
#
# tests/integration/kannel_ussd_smpp.sh - USSD over SMPP end to end: an SMSC
# peer (tests/smpp, the npm smpp package) delivers USSD with the
# ussd_service_op and its_session_info TLVs to Debian's Kannel, which calls
# chabard; the test asserts what comes back to the SMSC as submit_sm: the
# pages of a whole Kyrgyz check-in, each with the right ussd_service_op
# (2: continue, 17: end) and the session echoed, and the check-in row in
# SQLite. What chabar says first goes the same way, through sendsms: the
# confirmation's last page asks for a failure report, and when the SMSC
# reports it undelivered the confirmation comes by SMS; three wrong PINs
# send the officer an alert, whose delivery receipt comes back to the
# outbox row; an alert with no receipt in time goes to the district's
# other officer, in that officer's language, and when that one is
# undelivered too, the log says no one is left. A tip dialled at *384*5#
# goes through every step under the reporter's alias. TAP output; every
# process stopped by PID.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin ussd-smpp smsbox.log bearerbox.log smpp.events

tap_plan 24

missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
smpp_prepare || bail "the SMPP peer's npm package is installed"
missing=$(smpp_missing)
[ -z "$missing" ] || bail "the SMPP peer is runnable (missing:$missing)"
ok 0 "prerequisites present"

KANNEL_SMSC=smpp
write_kannel_conf_smpp || bail "kannel.conf written"
CHABAR_CONF_EXTRA=$(chabar_sendsms_conf '[alerts]' 'deliver_within = 5')
write_chabar_conf "$T/chabar.conf" || bail "chabar.conf written"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@"; }
ctl district add BSK "Bishkek" ky Asia/Bishkek >/dev/null &&
    ctl officer add +996700000001 "Officer" BSK ru &&
    echo 4321 | ctl person add +996555300001 "Айгүл" ky - BSK +996700000001 &&
    echo 4321 | ctl person add +996555300002 "Бакыт" ky - BSK +996700000001 &&
    echo 4321 | ctl person add +996555300003 "Нурлан" ky - BSK +996700000001 &&
    ctl officer add +996700000002 "Second Officer" BSK en ||
    bail "enrolment"
start_smpp_peer && start_kannel && smpp_wait_bound || bail "Kannel binds to the SMPP SMSC"
ok 0 "Kannel binds to the SMPP SMSC"
start_chabard "$T/chabar.conf" || bail "chabard answers /health"

# step OP SEQ TEXT [FROM]: a USSD MO of session 42, then the submit_sm it
# causes.
step() {
    local n from=${4:-996555300001}
    n=$(smpp_count submit_sm)
    smpp_mo "+$from" '*384*1#' "$1" "42/$2" "$3" || return 1
    smpp_wait_submit "\"to\":\"\\+?$from\"" 15 "$n"
}
# says LINE OP KEY: the submit_sm carries op OP, session 42 echoed, and the
# catalog text of KEY (placeholders as wildcards).
says() {
    local text want
    text=$(smpp_field "$1" text)
    want=$(catalog_text ky "$3" | sed -e 's/[][\.*^$()+?|/]/\\&/g' -e 's/{[a-z_]*}/.*/g')
    [ "$(smpp_field "$1" ussd_service_op)" = "$2" ] &&
        [ "$(smpp_field "$1" its_session_info)" != null ] &&
        printf '%s' "$text" | grep -Eq "^$want"
}

line=$(step 1 1 '*384*1#')
says "$line" 2 checkin.ask_pin
ok $? "dialling *384*1#: the PIN page in Kyrgyz, op 2 (continue), session echoed"
is "$(smpp_field "$line" data_coding)" 8 "a Cyrillic page goes as UCS-2"
line=$(step 18 2 1111)
says "$line" 2 checkin.pin_wrong
ok $? "a wrong PIN: the retry page, op 2"
line=$(step 18 3 4321)
says "$line" 2 checkin.where
ok $? "the right PIN: the menu, op 2"
like "$(smpp_field "$line" text)" $'\n1 ' "the menu's options are on the page"
line=$(step 18 4 2)
says "$line" 17 checkin.done
ok $? "the choice: the confirmation, op 17 (end)"
is "$(stack_sql "select location||'|'||channel from checkins")" "work|ussd-smpp" \
    "the check-in is in SQLite, from USSD over SMPP"
is "$(stack_sql "select count(*) from outbox")" 0 "the confirmation was sent: no SMS copy yet"
# 2: a receipt on failure only (SMPP 3.4 5.2.17), as dlr-mask 18 asks
is "$(smpp_field "$line" registered_delivery)" 2 \
    "its last page asks the SMSC for a report of failure (X-Kannel-DLR-Mask on the reply)"
n=$(smpp_count submit_sm)
smpp_send "dlr $(smpp_field "$line" message_id) UNDELIV 001" || bail "the receipt sent"
copy=$(smpp_wait_submit '"to":"\+?996555300001".*"ussd_service_op":null' 20 "$n")
like "$(smpp_field "$copy" text)" "^$(catalog_text ky checkin.done | sed 's/{.*//')" \
    "the SMSC reports it undelivered: the confirmation comes by SMS, whole"
is "$(stack_sql "select kind || '|' || status from outbox")" "fallback|accepted" \
    "from one outbox row, taken by Kannel"
is "$(stack_sql "select group_concat(status, ' ') from messages where direction = 'out' and meta = 'END'")" \
    "undelivered" "the page's own row says it was not delivered"

# --- an officer's alert over the SMPP link, and its delivery receipt -----------
step 1 1 '*384*1#' 996555300002 >/dev/null &&
    step 18 2 9992 996555300002 >/dev/null && step 18 3 9993 996555300002 >/dev/null &&
    step 18 4 9994 996555300002 >/dev/null || bail "three wrong PINs over USSD"
alert=$(smpp_wait_submit '"to":"\+?996700000001"' 20) || bail "the alert reaches the SMSC"
ref() { stack_sql "select i.ref from incidents i join persons p on p.id = i.person_id where p.msisdn = '$1'"; }
is "$(smpp_field "$alert" text)" "$(catalog_text ru alert.pin_locked | sed "s/{name}/Бакыт/; s/{ref}/$(ref 996555300002)/")" \
    "three wrong PINs: the officer's alert reaches the SMSC, in the officer's language"
smpp_send "dlr $(smpp_field "$alert" message_id) DELIVRD" || bail "the receipt sent"
delivered() { [ "$(stack_sql "select status from outbox where kind = 'alert'")" = delivered ]; }
_stack_wait 15 "" "the alert's delivery report" delivered
is "$(stack_sql "select status || '|' || smsc_message_id from outbox where kind = 'alert'")" \
    "delivered|$(smpp_field "$alert" message_id)" \
    "the SMSC's receipt comes back through Kannel: the row is delivered, with the SMSC's id"

# --- no receipt in time: the district's other officer ------------------------
step 1 1 '*384*1#' 996555300003 >/dev/null &&
    step 18 2 9992 996555300003 >/dev/null && step 18 3 9993 996555300003 >/dev/null &&
    step 18 4 9994 996555300003 >/dev/null || bail "three wrong PINs again"
n=$(smpp_count submit_sm)
smpp_wait_submit '"to":"\+?996700000001".*Нурлан' 20 >/dev/null || bail "the first officer's alert"
second=$(smpp_wait_submit '"to":"\+?996700000002"' 20 "$n")
is "$(smpp_field "$second" text)" "$(catalog_text en alert.pin_locked | sed "s/{name}/Нурлан/; s/{ref}/$(ref 996555300003)/")" \
    "no report of delivery within deliver_within: the other officer of the district gets it, in English"
is "$(stack_sql "select group_concat(officer_id || ':' || (settled_at is not null), ' ') from (select * from outbox where kind = 'alert' and related_id = 3 order by id)")" \
    "1:1 2:0" "the first alert is settled, passed on; the second waits for its report"
smpp_send "dlr $(smpp_field "$second" message_id) UNDELIV 001" || bail "the receipt sent"
_stack_wait 15 "" "the log line" grep -q 'event=alert_unheard.*reason=no_officer_left' "$T/chabard.out"
is "$(grep -c 'level=error event=alert_unheard.*person=3 reason=no_officer_left' "$T/chabard.out")" 1 \
    "undelivered too, and no officer left: an error in the log, once"
# --- a tip over SMPP: every step hidden -------------------------------------
tip_step() { # tip_step OP SEQ TEXT: a step of session 44 under *384*5#
    local n
    n=$(smpp_count submit_sm)
    smpp_mo +996555300009 '*384*5#' "$1" "44/$2" "$3" || return 1
    smpp_wait_submit '"to":"\+?996555300009"' 15 "$n"
}
tip_step 1 1 '*384*5#' >/dev/null && tip_step 18 2 2 >/dev/null && tip_step 18 3 1 >/dev/null &&
    tip_step 18 4 1 >/dev/null || bail "a tip's first steps over SMPP"
line=$(tip_step 18 5 "Угрозы соседу, дом 5")
like "$(smpp_field "$line" ussd_service_op) $(smpp_field "$line" text)" \
    '^17 Thank you\. Report [3479ACDEFHJKMNPRTUVWXY]{3}-[3479ACDEFHJKMNPRTUVWXY]{3} received\.' \
    "a tip over SMPP: the reference on the last page, op 17 (end)"
is "$(stack_sql "select category || '|' || channel || '|' || body from tips")" \
    "threat|ussd-smpp|Угрозы соседу, дом 5" "the tip is stored"
is "$(stack_sql "select count(*) from messages where msisdn = '996555300009' or meta like '%996555300009%'")" 0 \
    "and no step of it under the number: the code's flow hides every one"
line=$(step 1 1 '*999#')
says "$line" 17 global.unavailable
ok $? "an unknown code: END at once (op 17)"
kannel_alive
ok $? "Kannel still running"

tap_done
