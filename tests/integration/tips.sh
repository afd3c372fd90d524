#!/bin/bash
#
# tests/integration/tips.sh - an anonymous tip through real Kannel
# (bearerbox + smsbox + fakesmsc), chabard logging at debug level.
#
# A resident reports a threat by SMS; the officer on call gets the alert
# (reference, category, district, the start of the description) once the
# join gap is over, replies through chabar (REPLY <ref>), the reply reaches
# the resident's phone, and the resident's answer (<ref> <text>) reaches
# the officer. Then the promise is checked: the resident's number, in any
# spelling, and its keyed hash appear nowhere they must not: not in the
# database file's bytes, not in chabard's log at debug level, not in any
# message sent to an officer, not in any chabarctl output.
#
# A second tip nobody acknowledges goes, on a clock moved past
# [tips] acknowledge_within, to the next officer on the roster, then to the
# supervisor, then the log says no one is left. A third restart 91 days on
# purges the sealed numbers: a later REPLY tells the officer the reporter
# can no longer be reached. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin tips smsbox.log
tap_plan 27

missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
REPORTER=996555123456 OTHER=996555123457
A=996555900001 B=996555900002 S=996555900003
write_kannel_conf || bail "kannel.conf written"
CHABAR_LOG_LEVEL=debug
CHABAR_CONF_EXTRA=$(chabar_sendsms_conf)$'\n\n[tips]\njoin_gap = 10\nacknowledge_within = 900\nrelay_days = 90'
write_chabar_conf "$T/chabar.conf" || bail "chabar.conf written"
start_kannel && start_chabard "$T/chabar.conf" && start_fakesmsc ||
    bail "Kannel, chabard and fakesmsc start"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null 2>&1 | tee -a "$T/ctl.out"; }
sql() { stack_sql "$@"; }
{ ctl district add BSK "Bishkek" en Asia/Bishkek &&
    ctl officer add "+$A" "Aibek Duty" BSK en &&
    ctl officer add "+$B" "Bolot Second" BSK ru &&
    ctl officer add "+$S" "Saltanat Chief" BSK en supervisor &&
    ctl roster add BSK "+$A" daily 00:00-24:00 1 &&
    ctl roster add BSK "+$B" daily 00:00-24:00 2; } >/dev/null || bail "a district, its officers, its roster"

# say NUMBER TEXT: an SMS through fakesmsc and Kannel; prints the reply.
say() {
    local before
    before=$(mt_count)
    send_mo "+$1" 384 "$2" || return 1
    wait_mt "^384 [+]?$1 " 20 "$before" >/dev/null && mt_text "$1" "$before"
}

# --- the tip, its alert, a reply and an answer --------------------------------------
for text in TIP 2 1 1; do say "$REPORTER" "$text" >/dev/null || bail "tip step $text"; done
before=$(mt_count)
thanks=$(say "$REPORTER" "Two men are recruiting boys at the gym on Frunze street every evening after nine.")
like "$thanks" '^Thank you\. Report [3479ACDEFHJKMNPRTUVWXY]{3}-[3479ACDEFHJKMNPRTUVWXY]{3} received\.' \
    "the reporter's phone gets the reference"
REF=$(printf '%s' "$thanks" | sed 's/^Thank you\. Report \([^ ]*\) received.*/\1/')
is "$(sql "select reference || '|' || status || '|' || escalations from tips")" "$REF|new|0" \
    "the tip is stored, its alert waiting for the join gap"
wait_mt "^384 [+]?$A " 30 "$before" >/dev/null
like "$(mt_text "$A" "$before")" "^Tip $REF \\(Threat, Bishkek\\): Two men are recruiting boys at the gym on Frunze street every evening after nine\\. Reply ACK $REF\$" \
    "after the gap, the officer on call gets the alert: reference, category, district, description"

before=$(mt_count)
is "$(say "$A" "REPLY $REF Thank you. Which gym?")" "Sent to the reporter of $REF." \
    "the officer replies by SMS with the reference"
is "$(wait_mt_text "$REPORTER" "Police reply about report $REF: Thank you. Which gym?" 20 "$before")" \
    "Police reply about report $REF: Thank you. Which gym?" \
    "the reply reaches the reporter's phone, opened from its seal only to send"
like "$(sql "select kind || '|' || status || '|' || cast(sealed is null as integer) from outbox where kind = 'relay'")" \
    '^relay\|(accepted|delivered)\|1$' "its outbox row held the seal until Kannel took it, then none"
before=$(mt_count)
is "$(say "$REPORTER" "$(printf '%s' "$REF" | tr 'A-Z' 'a-z') Olymp gym, the one near the bazaar.")" \
    "Sent to police, report $REF." "the reporter answers with the reference"
is "$(wait_mt_text "$A" "About tip $REF, the reporter writes: Olymp gym, the one near the bazaar." 20 "$before")" \
    "About tip $REF, the reporter writes: Olymp gym, the one near the bazaar." \
    "and it reaches the officer handling the tip"
is "$(sql "select actor || ' ' || action from tip_audit order by id" | tr '\n' ',')" \
    "officer:1 relay_to_reporter,reporter relay_to_officer," "both relays are in the audit log"

# --- escalation, on a moved clock ----------------------------------------------------
for text in TIP 4 1 1 "Shouting and blows next door, flat 12."; do
    say "$OTHER" "$text" >/dev/null || bail "second tip step $text"
done
REF2=$(sql "select reference from tips where id = 2")
before=$(mt_count)
wait_mt "^384 [+]?$A " 30 "$before" >/dev/null
like "$(mt_text "$A" "$before")" "^Tip $REF2 \\(Violence, Bishkek\\)" "a second tip goes to the officer on call"
restart_at() { # restart_at SECONDS: chabard again, its clock that far ahead
    kill -TERM "$(stack_pid chabard)" &&
        _stack_wait 10 "" "chabard stops" sh -c "! kill -0 $(stack_pid chabard) 2>/dev/null" &&
        CHABAR_CLOCK_OFFSET=$1 start_chabard "$T/chabar.conf"
}
before=$(mt_count)
restart_at 1000 || bail "chabard restarts 1000 s on"
like "$(wait_mt "^384 [+]?$B " 30 "$before" >/dev/null; mt_text "$B" "$before")" "^Сигнал $REF2 \\(Насилие, Bishkek\\)" \
    "not acknowledged in time: the next officer on the roster, in Russian"
before=$(mt_count)
restart_at 2000 || bail "chabard restarts 2000 s on"
like "$(wait_mt "^384 [+]?$S " 30 "$before" >/dev/null; mt_text "$S" "$before")" "^Tip $REF2 \\(Violence, Bishkek\\)" \
    "then the district's supervisor"
restart_at 3000 || bail "chabard restarts 3000 s on"
_stack_wait 15 "" "tip_unheard" grep -q "level=error event=tip_unheard ref=$REF2" "$T/chabard.out"
ok $? "then no one is left: the log says so, at error level"
is "$(sql "select escalations || '|' || cast(alert_at is null as integer) from tips where id = 2")" "3|1" \
    "three officers tried, no more alerts"
is "$(sql "select count(*) from tips where id = 1 and escalations = 1")" 1 \
    "the tip an officer answered went to no one else"

# --- what an officer or an operator sees -------------------------------------------
ctl roster list >/dev/null
ctl tip list >/dev/null
ctl tip show "$REF" >"$T/show.out"
cat "$T/show.out" >>"$T/ctl.out"
ctl audit >/dev/null
like "$(tr '\n' '~' <"$T/show.out")" "^tip       $REF~received  [^~]* by sms~where     Bishkek~category  threat~from      anonymous~" \
    "chabarctl tip show: the tip, anonymous"
like "$(ctl audit)" "chabarctl:[^ ]+ +$REF +show" "and the read is in the audit log, with who read it"

# --- the promise ---------------------------------------------------------------------
# every spelling of the two reporters' numbers, and their keyed hashes
spellings() {
    local n=$1 local9=${1#996}
    printf '%s\n' "$n" "+$n" "$local9" "0$local9" "996 $local9" "+996 $local9" \
        "${local9:0:3} ${local9:3:3} ${local9:6}" "${local9:0:3} ${local9:3:2} ${local9:5:2} ${local9:7}" \
        "${local9:0:3}-${local9:3:3}-${local9:6}"
}
mapfile -t secret < <(spellings "$REPORTER"; spellings "$OTHER")
mapfile -t hashes < <(sql "select distinct tipster_hash from tips")
officer_mts=$(mt_lines | grep -a -E "^[^ ]+ [+]?($A|$B|$S) " | while IFS= read -r l; do decode_mt "$l"; done | tr -d '\0')
# the store's bytes: SQLite's file and its log, or the PostgreSQL
# primary's tables and write-ahead log
store_files=("$CHABAR_DB" "$CHABAR_DB-wal")
[ -n "${PG_DIR:-}" ] && store_files=("$PG_DIR/p/base" "$PG_DIR/p/pg_wal")
[ -e "${store_files[0]}" ] || bail "the store's files are where this test looks"
found=""
for s in "${secret[@]}"; do
    for f in "${store_files[@]}"; do
        [ -e "$f" ] && grep -r -a -q -F -- "$s" "$f" && found+=" db:$s"
    done
    grep -a -q -F -- "$s" "$T/chabard.out" && found+=" log:$s"
    grep -a -q -F -- "$s" "$T/ctl.out" && found+=" chabarctl:$s"
    printf '%s' "$officer_mts" | grep -a -q -F -- "$s" && found+=" officer:$s"
done
is "${found:-none}" none "the reporters' numbers, in any spelling, are nowhere: database bytes, debug log, chabarctl, officers' messages"
found=""
for h in "${hashes[@]}"; do
    grep -a -q -F -- "$h" "$T/chabard.out" && found+=" log"
    grep -a -q -F -- "$h" "$T/ctl.out" && found+=" chabarctl"
    printf '%s' "$officer_mts" | grep -a -q -F -- "$h" && found+=" officer"
done
is "${#hashes[@]}:${found:-none}" "2:none" "nor are their keyed hashes, outside the tip rows that keep them"
like "$(grep -a 'route=/kannel/mo' "$T/chabard.out" | grep -c 'from=hidden')" '^[1-9][0-9]*$' \
    "the exchange log says from=hidden for them"

# --- a flood of tips from one number ------------------------------------------------
# 400 TIPs straight at /kannel/mo, 16 at a time (each starts a tip under the
# same alias again), as fast as they go, while
# someone else asks for help.
mo() { # mo FROM TEXT: one MO to chabard itself; prints the HTTP status
    stack_curl -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$CHABAR_PORT/kannel/mo" \
        --data-urlencode "key=$CHABAR_KEY" --data-urlencode "from=$1" --data-urlencode "to=384" \
        --data-urlencode "text=$2" --data-urlencode "id=$(stack_uuid)"
}
export -f mo stack_curl stack_uuid _stack_secret
export CHABAR_PORT CHABAR_KEY STACK_DIR
seq 400 | xargs -P 16 -I{} bash -c 'mo +996555777777 TIP' >"$T/flood.out" 2>&1 &
flood=$!
start=$(date +%s%N)
help=$(mo +996555888888 HELP)
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
wait "$flood"
is "$help" 200 "during the flood, someone else's HELP is answered (in ${elapsed_ms} ms)"
ok "$([ "$elapsed_ms" -lt 2000 ] && echo 0 || echo 1)" "within 2 s"
is "$(sort "$T/flood.out" | uniq -c | awk '{ print $2 ":" $1 }')" "200:400" \
    "and all 400 of the flood are answered, none lost"

# --- retention ----------------------------------------------------------------------
restart_at $((91 * 86400)) || bail "chabard restarts 91 days on"
_stack_wait 15 "" "the relays purged" grep -q "event=tip_relays_purged count=2" "$T/chabard.out"
ok $? "91 days on, retention deletes the sealed numbers"
is "$(say "$A" "REPLY $REF Are you still there?")" "The reporter of $REF can no longer be reached." \
    "a later REPLY tells the officer the reporter can no longer be reached"
# the audit log is append-only, on either store
like "$(sql "delete from tip_audit" 2>&1)" 'the audit log is append-only' "the audit log refuses a delete"
like "$(sql "update tip_audit set actor = 'someone else'" 2>&1)" 'the audit log is append-only' \
    "and a change"
