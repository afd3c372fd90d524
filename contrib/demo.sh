#!/bin/bash
#
# contrib/demo.sh - the main job on embedded defaults (`make demo`): a local
# Kannel (bearerbox + smsbox) with a fake SMSC, chabard on a demo config and
# SQLite file, and a prompt that plays a phone: what you type is sent as an
# SMS through fakesmsc -> bearerbox -> smsbox -> chabard, and the reply that
# comes back through Kannel is printed; a dialled code (*384*1#) is a USSD
# session through the aggregator route (contrib/chabar-phone).
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
CHABAR_USSD_KEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export CHABAR_USSD_KEY CHABAR_SHORT_CODE=$SHORT_CODE
CHABAR_CONF_EXTRA=$(printf '[ussd]\nkey = %s\n' "$CHABAR_USSD_KEY")
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
if ! start_kannel || ! start_chabard "$dir/run/chabar.conf"; then
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
echo "Over USSD: dial *384*1# (check-in), *384*2# (appointment), *384*3# (language),"
echo "*384*4# (services), *384*5# (report). Ctrl-D or Ctrl-C ends the demo."

# The phone: SMS through Kannel, USSD through the aggregator route.
"$here/chabar-phone" "$PHONE"
