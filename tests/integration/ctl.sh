#!/bin/bash
#
# tests/integration/ctl.sh - chabarctl as a new operator meets it, with
# chabard running: a wrong command says what is wrong and shows that
# command's usage only (exit 2); a district, officer or zone that is not
# there is refused in one line (exit 1), never a raw SQLite error; records
# are listed, shown, edited and deactivated; a PIN is reset from standard
# input; a caseload, appointments and a roster are imported from CSV (every
# error as file:line:column, all rows or none, --dry-run, the same file
# twice changing nothing, UTF-16 refused); purge empties old message texts.
# TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin ctl
write_chabar_conf "$T/chabar.conf" || exit 1
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@"; }
sql() { stack_sql "$@"; }
tap_plan 37
start_chabard "$T/chabar.conf" || bail "chabard starts"

# flat: the lines of stdin joined with ~, so that one pattern sees them all
flat() { tr '\n' '~'; }
# run ARGS...: "EXIT|stdout|stderr" of one chabarctl command (stdin empty)
run() {
    local out err rc
    out=$(ctl "$@" </dev/null 2>"$T/err")
    rc=$?
    err=$(cat "$T/err")
    printf '%s|%s|%s' "$rc" "$out" "$err"
}

# --- what is wrong, said in one line --------------------------------------------
like "$(run frob)" '^2\|\|chabarctl: no command "frob" \(chabarctl -h lists them\)$' \
    "an unknown command: exit 2, one line"
like "$(run officer add +996700000001 | flat)" \
    '^2\|\|chabarctl: officer add takes 4 to 5 arguments, not 1~  chabarctl officer add MSISDN NAME DISTRICT LANG' \
    "too few arguments: what is wrong and that command's usage, nothing else"
is "$(run officer add +996700000001 "A" BSK en | grep -c 'person add')" 0 "only that command's usage"
like "$(run district add BSK Bishkek ru Europe/Paris)" '^1\|\|chabarctl: "Europe/Paris" is not a zone of the region' \
    "a zone outside the region: refused, exit 1"
like "$(run district add BSK Bishkek zz Asia/Bishkek)" '^1\|\|chabarctl: no language "zz"; one of: ky ru uz kk tg en uz_Cyrl$' \
    "language zz: refused"
ctl district add BSK Bishkek ky Asia/Bishkek >/dev/null || bail "a district"
like "$(run officer add +996700000001 "Officer A" XX ru)" '^1\|\|chabarctl: no district "XX" \(chabarctl district list\)$' \
    "an officer in an unknown district: one clear line, no SQLite error"
ctl officer add +996700000001 "Officer A" BSK ru >/dev/null || bail "an officer"
like "$(echo 1234 | ctl person add +996555000001 "P One" ky - BSK +996700000009 2>&1)" \
    'no officer \+996700000009 in district BSK' "a person of an unknown officer: refused, their alerts would go nowhere"
is "$(echo 1234 | ctl person add +996555000001 "P One" ky - BSK +996700000001)" "P One enrolled" \
    "enrolled: a one-line confirmation"
like "$(run appointment add +996555000001 "2020-01-01 10:00" Room)" '^1\|\|chabarctl: 2020-01-01 10:00 is past$' \
    "an appointment in 2020: refused"

# --- list, show, edit, deactivate -------------------------------------------------
like "$(ctl district list)" 'BSK +Bishkek +ky +Asia/Bishkek +1 +1' "district list: zone, officers, persons"
like "$(ctl officer list BSK)" '\+996700000001 +Officer A +BSK +ru +officer +active' "officer list"
like "$(ctl person list)" '\+996555000001 +P One +supervised +BSK +\+996700000001 +ky +- +active' "person list"
like "$(run person list XX)" '^1\|\|chabarctl: no district "XX"' "a list of an unknown district: refused"
like "$(ctl person show +996555000001 | flat)" '^person    \+996555000001 P One \(supervised, active\)~language  ky~' \
    "person show"
is "$(run person edit +996555000001 language ru)" "0|+996555000001: language is now ru|" "person edit"
like "$(run person edit +996555000001 colour blue)" '^1\|\|chabarctl: no field "colour"; one of: name language district officer$' \
    "an edit of no such field: the fields said"
is "$(run district edit BSK timezone Asia/Almaty)" "0|BSK: timezone is now Asia/Almaty|" "district edit, the zone checked"
is "$(sql "select language from persons; select timezone from districts")" "ru"$'\n'"Asia/Almaty" "both stored"

# --- PIN reset from standard input only ----------------------------------------------
is "$(echo 4321 | ctl pin reset +996555000001)" "+996555000001 has a new PIN; any block on check-in is lifted" \
    "pin reset reads the PIN from standard input"
sms() {
    stack_curl "http://127.0.0.1:$CHABAR_PORT/kannel/mo" --data-urlencode "key=$CHABAR_KEY" \
        --data-urlencode from=+996555000001 --data-urlencode "text=$1" --data-urlencode "id=$(stack_uuid)"
}
sms CHECKIN >/dev/null
like "$(sms 4321)" '^Где вы сейчас\?' "and the new PIN works at once, chabard running"
sms 1 >/dev/null # a check-in, at home
like "$(run person deactivate +996555000009)" '^1\|\|chabarctl: no person \+996555000009$' "deactivating no one: exit 1"
is "$(run officer deactivate +996700000001)" "0|+996700000001 deactivated|" "an officer deactivated"

# --- CSV imports ---------------------------------------------------------------------
printf '\xef\xbb\xbfnumber,name,language,district,officer\n+996555000011,"Токтогулова, Айгүл",ky,BSK,+996700000002\n+4915112345678,Foreign,en,BSK,\n996555000012,,zz,XX,\n' >"$T/bad.csv"
ctl officer add +996700000002 "Officer B" BSK ru >/dev/null || bail "a second officer"
out=$(run import persons "$T/bad.csv")
like "$out" "^1\|\|$T/bad.csv:3:1: \"\+4915112345678\" is not a phone number of the region" \
    "a caseload with errors: each said as file:line:column (a byte-order mark skipped)"
like "$(printf '%s' "$out" | flat)" "$T/bad.csv:4:14: a name is needed~$T/bad.csv:4:15: \"zz\" is no language[^~]*~$T/bad.csv:4:18: no district \"XX\".*nothing imported\$" \
    "every wrong field of a row, then: nothing imported"
is "$(sql "select count(*) from persons where msisdn like '99655500001_'")" 0 "and nothing is"
printf 'number,name,language,district,officer,tier\n+996555000011,"Токтогулова, Айгүл",ky,BSK,+996700000002,\n996555000012,Bakyt,ru,BSK,,\n' >"$T/persons.csv"
is "$(ctl import persons "$T/persons.csv" --dry-run; sql "select count(*) from persons where msisdn like '99655500001_'")" \
    "$T/persons.csv:2: would add +996555000011"$'\n'"$T/persons.csv:3: would add 996555000012"$'\n'"$T/persons.csv: would be 2 added, 0 changed, 0 as they were"$'\n'"0" \
    "--dry-run says what would change, row by row, and keeps nothing"
is "$(ctl import persons "$T/persons.csv"; ctl import persons "$T/persons.csv")" \
    "$T/persons.csv: 2 added, 0 changed, 0 as they were"$'\n'"$T/persons.csv: 0 added, 0 changed, 2 as they were" \
    "imported; the same file again changes nothing"
is "$(sql "select name || '|' || language from persons where msisdn = '996555000011'")" "Токтогулова, Айгүл|ky" \
    "a quoted name with a comma, kept whole"
printf 'number,time,place\n+996555000011,%s 10:00,Room 5\n' "$(date -d '+5 days' +%Y-%m-%d)" >"$T/appointments.csv"
is "$(ctl import appointments "$T/appointments.csv"; ctl import appointments "$T/appointments.csv"; sql "select count(*) from reminders r join appointments a on a.id = r.appointment_id")" \
    "$T/appointments.csv: 1 added, 0 changed, 0 as they were"$'\n'"$T/appointments.csv: 0 added, 0 changed, 1 as they were"$'\n'"3" \
    "appointments imported once, their reminders planned"
printf 'district,officer,days,hours,order\nBSK,+996700000002,"mon,wed-fri",08:00-18:00,1\n' >"$T/roster.csv"
is "$(ctl import roster "$T/roster.csv"; ctl roster list BSK | sed -n 2p | tr -s ' ')" \
    "$T/roster.csv: 1 added, 0 changed, 0 as they were"$'\n'"BSK 1 996700000002 mon,wed,thu,fri 08:00-18:00 Officer B" \
    "a roster imported"
printf '\xff\xfen\x00u\x00' >"$T/utf16.csv"
like "$(run import persons "$T/utf16.csv")" "^1\|\|$T/utf16.csv:1:1: UTF-16 \(a byte-order mark\); save it as \"CSV UTF-8\"\$" \
    "a UTF-16 file: refused with the reason, before anything"

# --- CSV out, and the compliance report -------------------------------------------------
ctl export persons >"$T/out.csv"
is "$(sed -n '1p;3p' "$T/out.csv")" "number,name,language,district,officer,tier,role"$'\n'"996555000011,\"Токтогулова, Айгүл\",ky,BSK,996700000002,,supervised" \
    "export persons: the columns import reads, quoted where needed"
is "$(ctl import persons "$T/out.csv")" "$T/out.csv: 0 added, 0 changed, 3 as they were" \
    "and the exported file imports, changing nothing"
like "$(ctl export checkins "$(date -u +%Y-%m-%d)" "$(date -u +%Y-%m-%d)" | flat)" \
    '^number,name,district,time,location,channel,receipt,window~996555000001,P One,BSK,20[0-9-]+ [0-9:]+,home,sms,[3479A-Y]{4}-[3479A-Y]{4},in~$' \
    "export checkins over a range: local time, receipt, in or outside a window"
like "$(ctl report "$(date -u +%Y-%m-%d)" "$(date -u -d '+30 days' +%Y-%m-%d)" | flat)" \
    "~BSK +- +0 +0 +0 +0 +0 +0 +0 +0 *~BSK +Officer A +1 +0 +0 +0 +0 +0 +0 +0 *~BSK +Officer B +0 +0 +0 +0 +0 +0 +0 +0 *~\$" \
    "report: per district and officer, an aligned table"

# --- retention ---------------------------------------------------------------------
sql "update messages set created_at = created_at - 200 * 86400" >/dev/null
like "$(ctl purge --dry-run)" '^would empty 6 message texts and 0 texts sent older than 180 days' "purge --dry-run counts"
is "$(ctl purge; sql "select count(*), sum(length(text)) from messages")" \
    "emptied 6 message texts and 0 texts sent older than 180 days, deleted 0 sealed numbers older than 90 days"$'\n'"6|0" \
    "purge empties the texts and keeps the rows, chabard running"
