#!/bin/bash
#
# tests/integration/reminders.sh - appointment reminders end to end,
# through real Kannel (bearerbox + smsbox + fakesmsc). chabarctl adds two
# appointments for tomorrow at 12:00 in Bishkek while chabard is stopped,
# each with a reminder one hour before; both programs run on a clock moved
# (CHABAR_CLOCK_OFFSET) so that the reminders fall due seconds after
# chabard starts: a restart loses nothing. Each person's phone gets the
# reminder in their language; one answers 1 and the appointment is
# confirmed, the other 2 and their officer is asked for another time. A
# second restart sends nothing twice. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin reminders smsbox.log
tap_plan 17

missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
AIBEK=996555600001 DINARA=996555600002 OFFICER=996555690001
write_kannel_conf || bail "kannel.conf written"
CHABAR_CONF_EXTRA=$(chabar_sendsms_conf '[reminders]' 'before = 1h')
write_chabar_conf "$T/chabar.conf" || bail "chabar.conf written"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null; }
sql() { stack_sql "$@"; }

# Tomorrow at 12:00 in Bishkek; the clock moved so that 11:00 comes 5 s
# after now.
DAY=$(TZ=Asia/Bishkek date -d tomorrow +%F)
NOON=$(TZ=Asia/Bishkek date -d "$DAY 12:00" +%s)
export CHABAR_CLOCK_OFFSET=$((NOON - 3600 - $(date +%s) - 5))
ctl district add BSK "Bishkek" en Asia/Bishkek &&
    ctl officer add "+$OFFICER" "Bakyt Osmonov" BSK en &&
    ctl person add "+$AIBEK" "Aibek Testov" en 4321 BSK "+$OFFICER" >/dev/null &&
    ctl person add "+$DINARA" "Динара Асанова" ru 4321 BSK "+$OFFICER" >/dev/null ||
    bail "enrolment"
like "$(ctl appointment add "+$AIBEK" "$DAY 12:00" "Room 4")" "^appointment 1 added, 1 reminder planned" \
    "chabarctl plans the reminder with the appointment"
ctl appointment add "+$DINARA" "$DAY 12:00" "Каб. 12" >/dev/null || bail "the second appointment"
is "$(sql "select count(*) || ' ' || min(due_at) from reminders where status = 'pending'")" \
    "2 $((NOON - 3600))" "two reminders due an hour before, while chabard is not running"

start_kannel && start_chabard "$T/chabar.conf" && start_fakesmsc || bail "Kannel, chabard and fakesmsc"
date_local=$(TZ=Asia/Bishkek date -d "$DAY" +%d.%m.%Y)
line=$(wait_mt "^384 [+]?$AIBEK " 20)
is "$(decode_mt "${line:-x x text}")" \
    "$(catalog_text en reminder.appointment | sed "s/{date}/$date_local/; s/{time}/12:00/; s/{place}/Room 4/")" \
    "chabard started: the reminder reaches the phone, in English"
want=$(catalog_text ru reminder.appointment | sed "s/{date}/$date_local/; s/{time}/12:00/; s/{place}/Каб. 12/")
is "$(wait_mt_text "$DINARA" "$want")" "$want" "and the other in Russian (two parts, joined on the phone)"
is "$(sql "select group_concat(r.status || ':' || o.kind, ' ') from reminders r join outbox o on o.id = r.outbox_id")" \
    "sent:reminder sent:reminder" "each reminder is marked sent, with its outbox row"

before=$(mt_count)
send_mo "+$AIBEK" 384 1 || bail "the answer 1"
line=$(wait_mt "^384 [+]?$AIBEK " 20 "$before")
is "$(decode_mt "${line:-x x text}")" \
    "$(catalog_text en reminder.confirmed | sed "s/{date}/$date_local/; s/{time}/12:00/")" \
    "1: the person is thanked"
is "$(sql "select status || ' ' || answer from appointments where id = 1")" "confirmed confirmed" \
    "and the appointment is confirmed"

before=$(mt_count)
send_mo "+$DINARA" 384 2 || bail "the answer 2"
line=$(wait_mt "^384 [+]?$DINARA " 20 "$before")
is "$(decode_mt "${line:-x x text}")" "$(catalog_text ru reminder.rescheduling)" \
    "2: the person is told the officer will call"
want=$(catalog_text en alert.reschedule | sed "s/{name}/Динара Асанова/; s/{date}/$date_local/; s/{time}/12:00/")
is "$(wait_mt_text "$OFFICER" "$want" 20 "$before")" "$want" \
    "and the officer is asked for another time, with the name and the appointment"
is "$(sql "select status || ' ' || answer from appointments where id = 2")" \
    "reschedule_requested reschedule" "the appointment says so"

sent=$(mt_count)
kill -TERM "$(stack_pid chabard)" && _stack_wait 10 "" "chabard stops" \
    sh -c "! kill -0 $(stack_pid chabard) 2>/dev/null" || bail "chabard stops"
start_chabard "$T/chabar.conf" || bail "chabard starts again"
sleep 2 # what a restart would send, it sends at once: give it the chance
is "$(mt_count)" "$sent" "restarted: nothing is sent twice"
is "$(sql "select count(*) from outbox where kind = 'reminder'")" 2 "two reminders in all"

# --- an appointment moved, another cancelled: the reminders follow ------------
like "$(ctl appointment move 1 "$DAY 15:00" "Room 5")" "^appointment 1 moved" "chabarctl moves an appointment"
want=$(catalog_text en appointment.moved | sed "s/{date}/$date_local/; s/{time}/15:00/; s/{place}/Room 5/")
is "$(wait_mt_text "$AIBEK" "$want" 20 "$sent")" "$want" "the person is told the new time"
is "$(sql "select status || ' ' || cast(due_at = $(TZ=Asia/Bishkek date -d "$DAY 14:00" +%s) as integer) from reminders where appointment_id = 1")" \
    "pending 1" "its reminder is planned again, an hour before the new time"
ctl appointment cancel 2 >/dev/null || bail "cancel"
want=$(catalog_text ru appointment.cancelled | sed "s/{date}/$date_local/; s/{time}/12:00/")
is "$(wait_mt_text "$DINARA" "$want" 20 "$sent")" "$want" "a cancelled one: the person is told, in Russian"
is "$(sql "select status from appointments where id = 2")" cancelled "and it is cancelled"

tap_done
