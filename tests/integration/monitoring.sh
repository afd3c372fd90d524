#!/bin/bash
#
# tests/integration/monitoring.sh - check-in windows by risk tier, missed
# check-ins and escalation, through real Kannel (bearerbox + smsbox +
# fakesmsc). Three persons on the tier "high" (daily 09:00-09:01, a
# reminder when it opens, 5 s to acknowledge), chabarctl setting their
# tier before chabard starts, on a clock moved (CHABAR_CLOCK_OFFSET) to
# 09:00:54 in Bishkek. Each gets the reminder; one checks in inside the
# window. When it closes the officer gets one alert for each of the other
# two, with a reference: the officer answers OK to one, and the other goes
# to the district's supervisor. A check-in after the window is still
# recorded, marked outside; an officer's SMS that is no command gets the
# officer help; a change of tier re-plans at once, and is kept with who
# made it. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin monitoring smsbox.log
tap_plan 21

missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
A=996555700001 B=996555700002 C=996555700003 OFFICER=996555790001 SUPERVISOR=996555790009
write_kannel_conf || bail "kannel.conf written"
CHABAR_CONF_EXTRA=$(chabar_sendsms_conf '[tier.high]' 'windows = daily 09:00-09:01' \
    'reminders = 0m' 'acknowledge = 5s' '[tier.low]' 'windows = mon 10:00-17:00')
write_chabar_conf "$T/chabar.conf" || bail "chabar.conf written"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null; }
sql() { stack_sql "$@"; }

DAY=$(TZ=Asia/Bishkek date -d tomorrow +%F)
export CHABAR_CLOCK_OFFSET=$(($(TZ=Asia/Bishkek date -d "$DAY 09:00:54" +%s) - $(date +%s)))
ctl district add BSK "Bishkek" en Asia/Bishkek &&
    ctl officer add "+$OFFICER" "Bakyt Osmonov" BSK en &&
    ctl officer add "+$SUPERVISOR" "Supervisor" BSK en supervisor || bail "officers"
for p in $A $B $C; do
    ctl person add "+$p" "Person ${p: -1}" en 4321 BSK "+$OFFICER" >/dev/null &&
        ctl tier set "+$p" high "Bakyt Osmonov" >/dev/null || bail "person $p on tier high"
done
is "$(sql "select count(*) || ' ' || min(changed_by) from tier_changes where tier_to = 'high'")" \
    "3 Bakyt Osmonov" "each tier change is kept, with who made it"

start_kannel && start_chabard "$T/chabar.conf" && start_fakesmsc || bail "Kannel, chabard and fakesmsc"
line=$(wait_mt "^384 [+]?$A " 20)
is "$(decode_mt "${line:-x x text}")" "$(catalog_text en checkin.window | sed 's/{time}/09:01/')" \
    "the window is open: the reminder reaches the phone"
before=$(mt_count)
for text in CHECKIN 4321 1; do send_mo "+$C" 384 "$text" || bail "C checks in"; done
wait_mt "^384 [+]?$C .*Check-in recorded" 20 "$before" >/dev/null || bail "C's check-in answered"
is "$(sql "select w.status || ' ' || c.outside_window from checkins c join windows w on w.id = c.window_id join persons p on p.id = c.person_id where p.msisdn = '$C'")" \
    "met 0" "a check-in inside the window meets it"

line=$(wait_mt "^384 [+]?$OFFICER .*Person 1" 20)
text=$(decode_mt "${line:-x x text}")
like "$text" "^Person 1 missed check-in [0-9.]+ 09:00-09:01\. Last check-in: -\. Reply OK [3479ACDEFHJKMNPRTUVWXY]{4}-[3479ACDEFHJKMNPRTUVWXY]{4}\$" \
    "the window closes without a check-in: the officer's alert, with its reference"
ref_a=${text##* }
wait_mt "^384 [+]?$OFFICER .*Person 2" 20 >/dev/null
is "$(sql "select count(*) from incidents where kind = 'missed_checkin'")" 2 "one incident each for the two who missed it"
is "$(sql "select count(*) from outbox where msisdn = '$OFFICER' and text like 'Person 3%'")" 0 \
    "none for the one who checked in"

before=$(mt_count)
send_mo "+$OFFICER" 384 "ok $(printf '%s' "$ref_a" | tr 'A-Z' 'a-z')" || bail "OK sent"
line=$(wait_mt "^384 [+]?$OFFICER " 20 "$before")
is "$(decode_mt "${line:-x x text}")" "$(catalog_text en officer.acknowledged | sed "s/{ref}/$ref_a/")" \
    "OK <ref> from the officer's number: acknowledged"
line=$(wait_mt "^384 [+]?$SUPERVISOR " 20)
like "$(decode_mt "${line:-x x text}")" "^Person 2: alert [0-9A-Z-]+ was not acknowledged in time" \
    "the other, not acknowledged in 5 s: the supervisor is told"
is "$(sql "select group_concat(status, ' ') from (select status from incidents order by id) as i")" \
    "acknowledged escalated" "the incidents say so"

before=$(mt_count)
send_mo "+$OFFICER" 384 "hello" || bail "hello sent"
line=$(wait_mt "^384 [+]?$OFFICER " 20 "$before")
is "$(decode_mt "${line:-x x text}")" "$(catalog_text en officer.help)" \
    "anything else from an officer: the officer help"
before=$(mt_count)
ref_b=$(sql "select ref from incidents where status = 'escalated'")
send_mo "+$A" 384 "OK $ref_b" || bail "OK from a person"
wait_mt "^384 [+]?$A " 20 "$before" >/dev/null || bail "the person's OK answered"
is "$(sql "select status || ' ' || coalesce(cast(acknowledged_by as text), '-') from incidents where ref = '$ref_b'")" \
    "escalated -" "OK from a number that is no officer's acknowledges nothing"
before=$(mt_count)
cyrillic=$(printf '%s' "$ref_b" | sed 's/A/А/g; s/E/Е/g; s/K/К/g; s/M/М/g; s/H/Н/g; s/P/Р/g; s/C/С/g; s/T/Т/g; s/X/Х/g; s/Y/У/g')
send_mo "+$OFFICER" 384 "ок $cyrillic" || bail "ок sent"
line=$(wait_mt "^384 [+]?$OFFICER " 20 "$before")
is "$(decode_mt "${line:-x x text}")" "$(catalog_text en officer.acknowledged | sed "s/{ref}/$ref_b/")" \
    "ок and the reference typed on a Russian keyboard: acknowledged, escalated or not"

before=$(mt_count)
for text in CHECKIN 4321 2; do send_mo "+$A" 384 "$text" || bail "A checks in late"; done
wait_mt "^384 [+]?$A .*Check-in recorded" 20 "$before" >/dev/null || bail "A's check-in answered"
is "$(sql "select coalesce(cast(c.window_id as text), '-') || ' ' || c.outside_window from checkins c join persons p on p.id = c.person_id where p.msisdn = '$A'")" \
    "- 1" "a check-in after the window is recorded, marked outside"

# --- a PIN lockout, and an officer's UNLOCK ------------------------------------
D=996555700004
ctl person add "+$D" "Person 4" en 4321 BSK "+$OFFICER" >/dev/null || bail "person 4"
before=$(mt_count)
for text in CHECKIN 1111 2222 3333; do send_mo "+$D" 384 "$text" || bail "D's wrong PINs"; done
line=$(wait_mt "^384 [+]?$OFFICER .*Person 4" 20 "$before")
ref_d=$(decode_mt "${line:-x x text}" | sed 's/.* //')
like "$ref_d" '^[3479ACDEFHJKMNPRTUVWXY]{4}-[3479ACDEFHJKMNPRTUVWXY]{4}$' \
    "three wrong PINs: the officer's alert carries the lockout's reference"
before=$(mt_count)
send_mo "+$OFFICER" 384 "UNLOCK $ref_d" || bail "UNLOCK sent"
line=$(wait_mt "^384 [+]?$OFFICER " 20 "$before")
is "$(decode_mt "${line:-x x text}")" "$(catalog_text en officer.unlocked | sed "s/{ref}/$ref_d/")" \
    "UNLOCK <ref> from the officer: unlocked"
before=$(mt_count)
for text in CHECKIN 4321 1; do send_mo "+$D" 384 "$text" || bail "D checks in"; done
wait_mt "^384 [+]?$D .*Check-in recorded" 20 "$before" >/dev/null
ok $? "the person checks in again at once"
is "$(sql "select group_concat(e.kind || coalesce(':' || e.officer_id, ''), ' ') from pin_events e join persons p on p.id = e.person_id where p.msisdn = '$D'")" \
    "failure failure lock unlock:1" "every failure, the lock and the unlock are kept, with the officer"

before=$(mt_count)
for text in CHECKIN 1111 2222 3333; do send_mo "+$D" 384 "$text" || bail "D's wrong PINs again"; done
wait_mt "^384 [+]?$OFFICER .*Person 4" 20 "$before" >/dev/null
ok $? "locked out again after the answer: a new alert (one per incident, not one for ever)"
ctl pin unlock "+$D" "Bakyt Osmonov" >/dev/null || bail "pin unlock"
is "$(sql "select count(*) from incidents i join persons p on p.id = i.person_id where p.msisdn = '$D' and i.status != 'acknowledged'")" \
    0 "chabarctl pin unlock answers the lockout too: nothing is left to escalate"

ctl tier set "+$C" high "Bakyt Osmonov" >/dev/null || bail "tier set again"
is "$(sql "select count(*) from windows w join persons p on p.id = w.person_id where p.msisdn = '$C' and w.status = 'pending' and w.opens_at > strftime('%s', 'now') + $CHABAR_CLOCK_OFFSET")" \
    1 "the tier set again after today's window was met: tomorrow's is planned"

ctl tier set "+$B" low "Bakyt Osmonov" >/dev/null || bail "tier change"
is "$(sql "select group_concat(w.status, ' ') from windows w join persons p on p.id = w.person_id where p.msisdn = '$B' and w.status in ('pending', 'open', 'cancelled')")" \
    "cancelled pending" "a change of tier re-plans at once: the pending window cancelled, the new plan's planned"

tap_done
