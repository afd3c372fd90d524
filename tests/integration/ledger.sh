#!/bin/bash
#
# tests/integration/ledger.sh - check-ins on a ledger no one can quietly
# rewrite. Three people check in over SMS against the real daemon; each
# confirmation carries a receipt; `chabarctl receipt` shows what a receipt
# proves and `chabarctl ledger verify` finds the chain whole. Then the
# database file is tampered with, as someone with access to it could: a
# check-in edited, one deleted, one added by hand. Each time `ledger
# verify` names the check-in where the chain breaks. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin ledger
write_chabar_conf "$T/chabar.conf" || exit 1
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@"; }
sql() { stack_sql "$@"; }
tap_plan 16

start_chabard "$T/chabar.conf" || bail "chabard starts"
ctl district add BSK "Bishkek" en Asia/Bishkek >/dev/null || bail "a district"
like "$(ctl district add XX "Nowhere" en Asia/Nowhere 2>&1)" '"Asia/Nowhere" is not a zone of the region; one of: Asia/Bishkek' \
    "a district whose zone tzdata lacks is refused, not taken as Bishkek"
for n in 1 2 3; do
    echo 4321 | ctl person add "+99655540000$n" "Person $n" en - BSK >/dev/null ||
        bail "person $n enrolled"
done
# sms FROM TEXT: one SMS to /kannel/mo; prints the reply.
sms() {
    stack_curl "http://127.0.0.1:$CHABAR_PORT/kannel/mo" --data-urlencode "key=$CHABAR_KEY" \
        --data-urlencode "from=$1" --data-urlencode "to=384" --data-urlencode "text=$2" \
        --data-urlencode "id=$(stack_uuid)"
}
for n in 1 2 3; do
    for text in CHECKIN 4321 1; do reply=$(sms "+99655540000$n" "$text"); done
done
like "$(ctl appointment add +996555400001 "2020-01-01 10:00" "Room 1" 2>&1)" "is past" \
    "an appointment in the past is refused"
like "$reply" '^Check-in recorded at [0-9:]+\. Receipt [3479ACDEFHJKMNPRTUVWXY]{4}-[3479ACDEFHJKMNPRTUVWXY]{4}\. ' \
    "the confirmation carries a receipt: no look-alike characters"
code=$(printf '%s' "$reply" | sed 's/.*Receipt \([^.]*\)\..*/\1/')
is "$(sql "select receipt from checkins order by id desc limit 1")" "$code" "the receipt is the check-in's"
like "$(ctl receipt "$(printf '%s' "$code" | tr 'A-Z' 'a-z' | tr -d -)")" \
    "^receipt $code: Person 3 checked in at 20[0-9-]+ [0-9:]+ Asia/Bishkek \(check-in 3\), home, over sms"$'\n'"ledger: whole up to this check-in" \
    "chabarctl receipt: who, when (local time), where, and that the ledger holds it as shown"
ctl receipt 7777-7777 >/dev/null
is "$?" 1 "a receipt no check-in has: exit 1"
is "$(ctl ledger verify)" "ledger whole: 3 check-ins on the chain, 0 from before it" \
    "chabarctl ledger verify: the chain is whole"

# --- tampering with the file ----------------------------------------------------
sql ".backup '$T/good.db'" || bail "a copy of the database as it was"
sql "update checkins set location = 'work' where id = 2" >/dev/null
out=$(ctl ledger verify)
is "$?" 1 "a check-in edited: exit 1"
is "$out" "ledger broken at check-in 2: it was changed after it was recorded (1 verified before it)" \
    "and it is named"
like "$(ctl receipt "$code")" "ledger: broken before this check-in" \
    "a later receipt says the chain before it is broken"
sql "update checkins set location = 'home' where id = 2" >/dev/null
is "$(ctl ledger verify)" "ledger whole: 3 check-ins on the chain, 0 from before it" \
    "put back as it was, the chain is whole again"
sql "delete from checkins where id = 2" >/dev/null
is "$(ctl ledger verify)" "ledger broken at check-in 3: it does not follow the check-in before it: one was deleted, moved or added (1 verified before it)" \
    "a check-in deleted: the next one is named"
sql "insert into checkins (id, person_id, at, location, channel, receipt, prev_hash, hash) select 2, person_id, at, location, channel, 'AAAA-AAAA', prev_hash, hash from checkins where id = 1" >/dev/null
like "$(ctl ledger verify)" "^ledger broken at check-in 2: " "a check-in made up from another: named"
sql "delete from checkins where id = 2; attach '$T/good.db' as good; insert into checkins select * from good.checkins where id = 2" >/dev/null
is "$(ctl ledger verify)" "ledger whole: 3 check-ins on the chain, 0 from before it" \
    "the deleted one put back: whole"
sql "insert into checkins (person_id, at, location, channel) values (1, 1, 'home', 'sms')" >/dev/null
is "$(ctl ledger verify)" "ledger broken at check-in 4: it is not on the ledger: added past it (3 verified before it)" \
    "one added by hand, past the chain: named"
sql "delete from checkins where id = 4; update checkins set hash = NULL, prev_hash = NULL where id = 1" >/dev/null
is "$(ctl ledger verify)" "ledger broken at check-in 1: its hash was removed (0 verified before it)" \
    "a hash removed, as if it were from before the ledger: named"

tap_done
