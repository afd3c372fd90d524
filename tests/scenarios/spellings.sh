#!/bin/bash
#
# tests/scenarios/spellings.sh - every keyword of every flow, in every
# spelling phones produce (as written, as a Russian-only keyboard types it,
# in Latin letters, without the Uzbek apostrophe: what `chabarctl keywords`
# lists), must start the same flow as the keyword itself; and STOP then
# START, in each of their spellings, must work for a person of each
# language, by SMS and inside a USSD session.  This script writes that
# scenario (tests/scenarios/README.md) from the shipped flows and plays it
# with run.sh against a real chabard.  TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

T=$(mktemp -d "${TMPDIR:-/tmp}/chabar-spellings.XXXXXX") || { echo "Bail out! mktemp"; exit 1; }
trap 'rm -rf "$T"' EXIT
stack_init "$T"
write_chabar_conf "$T/chabar.conf" || bail "write chabar.conf"
"$CHABARCTL" -c "$T/chabar.conf" keywords >"$T/keywords" 2>"$T/keywords.err" ||
    bail "chabarctl keywords: $(cat "$T/keywords.err")"

# What the first message of each flow answers an enrolled person who has no
# appointment, and what brings the number back to no conversation after it.
# A new flow needs a line here: the script stops at one it does not know.
declare -A first=(
    [checkin]='expect checkin.ask_pin'
    [appointment]='expect appointment.none'
    [help]='expect global.help'
    [language]='expect-menu language.menu language.ky language.ru language.uz language.kk language.tg language.en language.uz_cyrl'
    [cancel]='expect global.cancelled'
    [stop]='expect global.stopped'
    [start]='expect global.started'
    [officer_ok]='expect global.unknown' # a person is no officer: learns nothing
    [tip_officer]='expect global.unknown'
    [services]='expect-menu services.menu services.documents services.work services.health services.family'
    [tip]='expect-menu tip.category tip.cat_recruitment tip.cat_threat tip.cat_returnee tip.cat_violence tip.cat_other'
)
declare -A after=(
    [checkin]=$'send CANCEL\nexpect global.cancelled'
    [language]=$'send CANCEL\nexpect global.cancelled'
    [tip]=$'send CANCEL\nexpect global.cancelled'
    [services]=$'send CANCEL\nexpect global.cancelled'
    [stop]=$'send START\nexpect global.started'
)
languages=(ky ru uz kk tg en uz_Cyrl)
for flow in $(cut -f1 "$T/keywords" | sort -u); do
    [ -n "${first[$flow]:-}" ] || bail "an expectation for flow $flow in $0"
done
mapfile -t stops < <(awk -F'\t' '$1 == "stop" { print $3 }' "$T/keywords")
mapfile -t starts < <(awk -F'\t' '$1 == "start" { print $3 }' "$T/keywords")
((${#stops[@]} && ${#starts[@]})) || bail "chabarctl keywords lists STOP and START"

scn=$T/spellings.scn
{
    echo 'district BSK "Bishkek" en Asia/Bishkek'
    for i in "${!languages[@]}"; do
        echo "enrol +99655590000$i \"Person $i\" ${languages[i]} 1234 BSK"
    done
    echo "from +996555900005" # en
    while IFS=$'\t' read -r flow keyword spelling; do
        echo "# $flow: $keyword typed $spelling"
        echo "send $spelling"
        echo "${first[$flow]}"
        [ -z "${after[$flow]:-}" ] || echo "${after[$flow]}"
    done <"$T/keywords"
    for i in "${!languages[@]}"; do
        number=+99655590000$i
        echo "from $number"
        for ((k = 0; k < ${#stops[@]} || k < ${#starts[@]}; k++)); do
            stop=${stops[k % ${#stops[@]}]} start=${starts[k % ${#starts[@]}]}
            echo "send $stop"
            echo "expect global.stopped"
            echo "expect-row \"select opted_out from persons where msisdn = '${number#+}'\" 1"
            echo "send $start"
            echo "expect global.started"
            echo "expect-row \"select opted_out from persons where msisdn = '${number#+}'\" 0"
            # the same words as the answer to a USSD menu
            echo "dial S$i-$k-stop *384*3#"
            echo "answer $stop"
            echo "expect-end global.stopped"
            echo "dial S$i-$k-start *384*3#"
            echo "answer $start"
            echo "expect-end global.started"
        done
    done
} >"$scn"

bash "$here/run.sh" "$scn"
