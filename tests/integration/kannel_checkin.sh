#!/bin/bash
#
# tests/integration/kannel_checkin.sh - a whole check-in through a real
# Kannel: bearerbox + smsbox + fakesmsc in front of chabard, as a phone sees
# it.  A Kyrgyz-speaking enrolled person sends the keyword КАТТООЛУУ in
# UCS-2, one wrong PIN, the right one and a menu choice; every Cyrillic
# reply must reach fakesmsc as UCS-2 (one "ucs-2" line, or several "udh"
# parts when longer than 70 characters, joined here) and decode back to
# exactly the catalog text; the check-in row must be in SQLite.  Then: an
# unknown number gets the unknown-word reply in the default language
# (Russian in this test), and STOP then CHECKIN gets the opt-out notice.
# TAP output.  Processes are stopped by PID; readiness is polled.
#
# Environment as kannel_mo.sh: top_builddir, CHABARD, CHABARCTL,
# CHABAR_KEEP_TMP=1 keeps the temp dir.  Missing Kannel binaries fail.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }

: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

PLAN=29
tap_plan $PLAN

stack_test_begin kannel-checkin smsbox.log bearerbox.log fakesmsc.log

sql() { stack_sql "$@"; }
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null; }

PERSON=+996555100001 STRANGER=+996555000777 SERVICE=384

# --------------------------------------------------------------------------
# next_reply MSISDN AFTER: wait for the next reply to MSISDN among the MTs
# after the first AFTER (an mt_count), and set
#   MT_TEXT    its text as UTF-8
#   MT_KIND    how fakesmsc got it: text, data, ucs-2 or udh
#   MT_PARTS   how many SMS it took
# A concatenated reply arrives as "udh" lines, one per part, in any order;
# the UDH's concatenation element (00 03 ref total seq, or 08 04 with a
# 16-bit ref) tells which belong together.  Their data is joined as bytes
# and then decoded as UTF-16BE, since a udh line does not say its coding
# and a character may straddle two parts.  Returns 1 after 20 s.
next_reply() {
    local num=${1#+} after=$2 end=$((SECONDS + 20)) lines line udh ref total seq i b
    MT_TEXT='' MT_KIND='' MT_PARTS=0
    while :; do
        mapfile -t lines < <(mt_lines | tail -n "+$((after + 1))" |
            grep -a -E "^[+]?$SERVICE [+]?$num ")
        if ((${#lines[@]})); then
            MT_KIND=$(printf '%s\n' "${lines[0]}" | cut -d' ' -f3)
            if [ "$MT_KIND" != udh ]; then
                MT_TEXT=$(decode_mt "${lines[0]}") MT_PARTS=1
                return 0
            fi
            local -A part=()
            ref='' total=''
            for line in "${lines[@]}"; do
                [ "$(cut -d' ' -f3 <<<"$line")" = udh ] || continue
                udh=$(cut -d' ' -f4 <<<"$line")
                set -- "" "" ""
                read -r -a b < <(_stack_urldecode "$udh" | od -An -tx1 -v | tr '\n' ' ')
                # b[0] is the UDH length; find the concatenation element
                for ((i = 1; i < ${#b[@]}; i += 2 + 16#${b[i + 1]})); do
                    case ${b[i]} in
                    00) set -- "${b[i + 2]}" "${b[i + 3]}" "${b[i + 4]}" ;;
                    08) set -- "${b[i + 2]}${b[i + 3]}" "${b[i + 4]}" "${b[i + 5]}" ;;
                    *) continue ;;
                    esac
                    break
                done
                [ -n "$3" ] || continue # not a concatenated part
                [ -z "$ref" ] && ref=$1 total=$((16#$2))
                [ "$1" = "$ref" ] && part[$((16#$3))]=${line#* data }
            done
            if [ -n "$total" ] && ((${#part[@]} == total)); then
                : >"$T/parts"
                for ((seq = 1; seq <= total; seq++)); do
                    _stack_urldecode "${part[$seq]}" >>"$T/parts"
                done
                MT_TEXT=$(iconv -f UTF-16BE -t UTF-8 <"$T/parts") MT_PARTS=$total
                return 0
            fi
        fi
        ((SECONDS >= end)) && return 1
        _fakesmsc_poke
        sleep 0.1
    done
}

# mo_and_reply ucs2|text FROM TEXT: send one MO through fakesmsc and wait for
# its reply (next_reply); fails if either does.
mo_and_reply() {
    local before
    before=$(mt_count)
    if [ "$1" = ucs2 ]; then send_mo_ucs2 "$2" "$SERVICE" "$3"; else send_mo "$2" "$SERVICE" "$3"; fi &&
        next_reply "$2" "$before"
}

# is_ucs2 DESCRIPTION: the last reply came as UCS-2 (one part or several).
is_ucs2() {
    [ "$MT_KIND" = ucs-2 ] || [ "$MT_KIND" = udh ]
    ok $? "$1 arrives as UCS-2 ($MT_KIND, $MT_PARTS part(s))"
}

# ere TEXT: TEXT with every ERE special character escaped.
ere() { printf '%s' "$1" | sed 's/[][\.*^$(){}+?|/]/\\&/g'; }

# --- 1-5: prerequisites, the stack, an enrolled person ----------------------
missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
ok 0 "prerequisites present"

export CHABAR_LANGUAGE=ru # the default language, for numbers nobody enrolled
write_kannel_conf || bail "write kannel.conf"
write_chabar_conf "$T/chabar.conf" || bail "write chabar.conf"
start_kannel || bail "Kannel ready"
ok 0 "Kannel ready"
start_chabard "$T/chabar.conf" || bail "chabard answers /health"
ok 0 "chabard answers /health"
start_fakesmsc || bail "fakesmsc connected, fake SMSC online"
ok 0 "fakesmsc connected, fake SMSC online"

# The appointment is two days ahead in Bishkek's time (UTC+6, as chabard).
day=$(($(date +%s) + 6 * 3600 + 2 * 86400))
ctl district add BSK "Бишкек" ky Asia/Bishkek &&
    ctl officer add +996555900001 "Бакыт Осмонов" BSK ky &&
    ctl person add "$PERSON" "Айгүл Токтогулова" ky 4321 BSK +996555900001 &&
    ctl appointment add "$PERSON" "$(date -u -d "@$day" +%F) 10:00" "Каб. 12"
ok $? "chabarctl enrols a Kyrgyz-speaking person with an appointment"
NEXT="$(date -u -d "@$day" +%d.%m.%Y) 10:00"
ky() { catalog_text ky "$1"; }

# --- 6-17: the check-in, one wrong PIN on the way ---------------------------
mo_and_reply ucs2 "$PERSON" КАТТООЛУУ
is "$MT_TEXT" "$(ky checkin.ask_pin)" "КАТТООЛУУ (UCS-2 MO): the PIN question in Kyrgyz"
is_ucs2 "the PIN question"

mo_and_reply text "$PERSON" 1111
is "$MT_TEXT" "$(ky checkin.pin_wrong | sed 's/{tries}/2/')" "a wrong PIN: wrong, 2 tries left"
is_ucs2 "the wrong-PIN notice"
is "$(sql "select pin_failures from persons where msisdn='${PERSON#+}'")" 1 "the failure is counted"

mo_and_reply text "$PERSON" 4321
menu="$(ky checkin.where)"$'\n'"1 $(ky checkin.at_home)"$'\n'"2 $(ky checkin.at_work)"
menu+=$'\n'"3 $(ky checkin.elsewhere)"
is "$MT_TEXT" "$menu" "the right PIN: the where-are-you menu, options one a line"
is_ucs2 "the menu"

mo_and_reply text "$PERSON" 1
done_text=$(ky checkin.done)
done_text=${done_text//\{next_appointment\}/$NEXT}
done_text=${done_text//\{receipt\}/@RECEIPT@}
done_re=$(ere "${done_text//\{time\}/@TIME@}")
done_re=${done_re//@RECEIPT@/[3479ACDEFHJKMNPRTUVWXY]{4\}-[3479ACDEFHJKMNPRTUVWXY]{4\}}
like "$MT_TEXT" "^${done_re//@TIME@/[0-2][0-9]:[0-5][0-9]}\$" \
    "1: check-in recorded, with the time, its receipt and the next appointment"
is_ucs2 "the confirmation"
is "$(sql "select c.location || '|' || c.channel from checkins c join persons p on p.id = c.person_id
    where p.msisdn = '${PERSON#+}'")" "home|sms" "the check-in row is in SQLite"
is "$(sql "select count(*) from sessions")" 0 "the conversation is closed"
is "$(sql "select count(*) from messages m join checkins c on c.message_id = m.id
    where m.direction = 'in' and m.text = '1'")" 1 "the check-in points at the MO that made it"

# --- 18-19: a reply longer than one UCS-2 SMS arrives in parts --------------
place="Октябрь райондук пробация бөлүмү, 12-кабинет"
sql "update appointments set place = '$place'"
mo_and_reply ucs2 "$PERSON" КИЙИНКИ
want=$(ky appointment.next | sed "s/{date} {time}/$NEXT/; s/{place}/$place/")
is "$MT_TEXT" "$want" "КИЙИНКИ: the next appointment at a long place, joined from its parts"
((MT_PARTS > 1)) && [ "$MT_KIND" = udh ]
ok $? "it is over 70 characters, so it came as $MT_PARTS UDH parts (UCS-2)"

# --- 20-21: HELP is one SMS in every language (the linter's budget) ---------
mo_and_reply ucs2 "$PERSON" ЖАРДАМ
is "$MT_TEXT" "$(ky global.help)" "ЖАРДАМ: the Kyrgyz help text"
((MT_PARTS == 1)) && [ "$MT_KIND" = ucs-2 ]
ok $? "in one UCS-2 SMS ($MT_KIND, $MT_PARTS part)"

# --- 22-24: an unknown number: the default language (Russian) ---------------
mo_and_reply text "$STRANGER" hello
is "$MT_TEXT" "$(catalog_text ru global.unknown)" "an unknown number: the unknown-word reply in Russian"
is_ucs2 "the Russian reply"
mo_and_reply text "$STRANGER" CHECKIN
is "$MT_TEXT" "$(catalog_text ru global.not_enrolled)" "an unknown number's CHECKIN: not registered"

# --- 25-28: STOP, then CHECKIN gets the opt-out notice -----------------------
mo_and_reply ucs2 "$PERSON" ТОКТОТ
is "$MT_TEXT" "$(ky global.stopped)" "ТОКТОТ: messages stopped"
mo_and_reply text "$PERSON" CHECKIN
is "$MT_TEXT" "$(ky global.opted_out)" "CHECKIN after STOP: the opt-out notice"
is_ucs2 "the opt-out notice"
is "$(sql "select opted_out from persons where msisdn='${PERSON#+}'")" 1 "the choice is stored"

# --- 29: Kannel survived all of it ------------------------------------------
kannel_alive
ok $? "Kannel still running"

[ "$TAP_COUNT" -eq "$PLAN" ] || stack_log "ran $TAP_COUNT tests, planned $PLAN"
tap_done
