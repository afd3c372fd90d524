#!/bin/bash
#
# contrib/demo.sh - the main job on embedded defaults (`make demo`): a local
# Kannel (bearerbox + smsbox) with a fake SMSC, chabard on a demo config and
# SQLite file, and a prompt that plays a phone: what you type is sent as an
# SMS through fakesmsc -> bearerbox -> smsbox -> chabard, and the reply that
# comes back through Kannel is printed.
#
# Everything lives in ./demo (config, database, logs) and runs on
# 127.0.0.1 only; Ctrl-D or Ctrl-C stops every process it started.
# Not a terminal on stdin? Each line read is sent, then the demo stops:
#     printf 'CHECKIN\nПривет\n' | make demo

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../tests/lib/stack.sh
. "$here/../tests/lib/stack.sh" || exit 1
: "${top_builddir:=.}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

PHONE=${DEMO_PHONE:-+996555123456}
SHORT_CODE=${DEMO_SHORT_CODE:-384}
dir=${DEMO_DIR:-$PWD/demo}
rm -rf "$dir/run"
stack_init "$dir/run" || exit 1
trap 'stop_all; echo; echo "demo stopped; the database is kept in $CHABAR_DB"' EXIT
trap 'exit 130' INT TERM

CHABAR_DB=$dir/chabar.db
CHABAR_LANGUAGE=${DEMO_LANGUAGE:-en}
write_kannel_conf && write_chabar_conf "$dir/run/chabar.conf" || exit 1

# The phone belongs to an enrolled person (PIN 1234) with an appointment
# tomorrow. Each demo starts from a fresh database (the PIN key is random
# per run); the last one stays in ./demo for a look afterwards.
ctl() { "$CHABARCTL" -c "$dir/run/chabar.conf" "$@"; }
rm -f "$CHABAR_DB" "$CHABAR_DB-wal" "$CHABAR_DB-shm"
ctl district add BSK "Bishkek, Oktyabrsky" ky Asia/Bishkek >/dev/null &&
    ctl officer add +996700000001 "Officer Asanov" BSK ru &&
    ctl roster add BSK +996700000001 daily 00:00-24:00 >/dev/null &&
    echo 1234 | ctl person add "$PHONE" "Demo Person" "$CHABAR_LANGUAGE" - BSK +996700000001 &&
    ctl appointment add "$PHONE" "$(date -d tomorrow +%Y-%m-%d) 10:00" "Probation office, room 12" ||
    exit 1
echo "starting Kannel (bearerbox, smsbox), chabard and a fake SMSC in $dir/run ..."
if ! start_kannel || ! start_chabard "$dir/run/chabar.conf" || ! start_fakesmsc; then
    echo "demo: could not start the stack; logs are in $dir/run" >&2
    exit 1
fi

echo
echo "chabar is running:"
echo "  chabard    http://127.0.0.1:$CHABAR_PORT/health  (and /metrics)"
echo "  Kannel     http://127.0.0.1:$KANNEL_ADMIN_PORT/status?password=$KANNEL_ADMIN_PASSWORD"
echo "  database   sqlite3 $CHABAR_DB 'select * from checkins'"
echo "  logs       $dir/run/*.out $dir/run/*.log"
echo
echo "You are the phone $PHONE texting the short code $SHORT_CODE, enrolled as"
echo "\"Demo Person\" with PIN 1234. Try: CHECKIN, then 1234, then 1 (or 2, 3);"
echo "NEXT for the next appointment; LANG for another language; HELP; STOP;"
echo "TIP to report a concern to the police, anonymously (your number is never stored)."
echo "Type a message and press Enter; Ctrl-D or Ctrl-C ends the demo."

# send TEXT: one SMS from the phone; prints the reply Kannel delivers.
send() {
    local before line sent
    before=$(mt_count)
    # Anything beyond printable ASCII goes as UCS-2, as a phone would send it.
    if [ -n "$(printf '%s' "$1" | LC_ALL=C tr -d ' -~')" ]; then
        send_mo_ucs2 "$PHONE" "$SHORT_CODE" "$1"
    else
        send_mo "$PHONE" "$SHORT_CODE" "$1"
    fi
    sent=$?
    if [ "$sent" -ne 0 ]; then
        echo "(not sent: fakesmsc takes lines of at most 254 bytes)"
        return
    fi
    if line=$(wait_mt "^$SHORT_CODE " 15 "$before"); then
        printf 'reply> %s\n' "$(decode_mt "$line" ucs2)"
    else
        echo "(no reply within 15 s: see $dir/run/chabard.out)"
    fi
}

interactive=0
[ -t 0 ] && interactive=1
while :; do
    if ((interactive)); then printf '\nsms> '; fi
    IFS= read -r text || break
    [ -n "$text" ] || continue
    if ((!interactive)); then printf 'sms> %s\n' "$text"; fi
    send "$text"
done
