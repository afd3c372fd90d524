#!/bin/bash
#
# tests/integration/box_crash.sh - chabard as a box of bearerbox (box.h)
# killed with SIGKILL at random moments under load, then bearerbox itself,
# with a spool store: every MO bearerbox received is stored exactly once
# and answered exactly once.
#
# 1. fakesmsc fires CRASH_MESSAGES MOs (5,000) at bearerbox; chabard, the
#    only box, is killed with SIGKILL four times at random moments and
#    started again each time. bearerbox holds every MO chabard has not
#    acknowledged (an ack follows the commit) and sends it again with the
#    same UUID once chabard is back; a repeat changes nothing and is
#    answered with its stored reply, which is written just before the ack.
#    Afterwards: exactly N MOs stored, one per UUID, each with its reply
#    row, and exactly N replies received by fakesmsc.
# 2. bearerbox with store-type = spool, killed with SIGKILL under load and
#    started again: every MO its spool held at the kill is stored after
#    the restart, none twice, and each stored MO is answered, once but for
#    the replies bearerbox itself delivers again from its spool.
# TAP output; every process stopped by PID.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
N=${CRASH_MESSAGES:-5000}
export STACK_VIA_BOX=1

stack_test_begin box-crash bearerbox.log load.out
sql() { stack_sql "$@"; }


stored() { sql "select count(*) from messages where direction = 'in'"; }

# settle SECONDS FILE...: until neither the MOs stored nor the replies
# fakesmsc received (by its logs FILE...) change for 3 s; at most SECONDS.
settle() {
    local end=$((SECONDS + $1)) last= still=0 now
    shift
    while ((SECONDS < end)); do
        now="$(fakesmsc_replies "$@") $(stored)"
        if [ "$now" = "$last" ]; then ((++still >= 30)) && return 0; else still=0; fi
        last=$now
        sleep 0.1
    done
}

# kill_chabard: SIGKILL, reaped, started again.
kill_chabard() {
    local pid
    pid=$(stack_pid chabard)
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    start_chabard "$T/chabar.conf"
}

tap_plan 11

missing=$(stack_missing "$CHABARD")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
mkdir -p "$T/spool"
KANNEL_CORE_EXTRA="store-type = spool
store-location = \"$T/spool\""
write_kannel_conf && write_chabar_conf "$T/chabar.conf" || bail "configs written"
start_kannel && start_chabard "$T/chabar.conf" || bail "bearerbox and chabard start"
ok 0 "bearerbox and chabard (as its box) start"

# --- 1: chabard killed four times under 5,000 MOs ---------------------------
stack_spawn load INT "$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" -i 0 -m "$N" -v 0 \
    "+996555000001 384 text HELP" "+996555000002 384 text CHECKIN" \
    "+996700000003 384 text NEXT" "+996770000004 384 text hello"
# The first kill after a random share of the replies; each later one as
# soon as chabard is back, when bearerbox is sending it what queued while
# it was away: messages in flight, committed or not.
want=$((N / 10 + RANDOM % (N / 5)))
end=$((SECONDS + 120))
while (($(fakesmsc_replies "$T/load.out") < want && SECONDS < end)); do sleep 0.02; done
kills=0
for _ in 1 2 3 4; do
    kill_chabard && kills=$((kills + 1))
done
is "$kills" 4 "chabard killed with SIGKILL four times under load, started again each time"
settle 180 "$T/load.out"
is "$(stored)" "$N" "every MO bearerbox received is stored"
is "$(sql "select count(distinct network_id) from messages where direction = 'in'")" "$N" \
    "once: one row per UUID"
is "$(sql "select count(*) from messages m where direction = 'in' and exists
    (select 1 from messages r where r.in_reply_to = m.id and r.direction = 'out')")" "$N" \
    "each with its reply row"
is "$(fakesmsc_replies "$T/load.out")" "$N" "and answered exactly once: $N replies reached fakesmsc"
# a kill between a commit and its ack (a narrow window) makes a repeat
stack_log "repeats (committed, not acknowledged): $(grep -c 'event=box_mo .* repeat=' "$T/chabard.out")"

# --- 2: bearerbox killed with its spool store ---------------------------------
stop_load() {
    local pid
    pid=$(stack_pid load) && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
}
stop_load
before=$(stored)
: >"$T/load2.out"
stack_spawn load2 INT "$FAKESMSC" -H 127.0.0.1 -r "$KANNEL_FAKE_PORT" -i 0 -m "$N" -v 0 \
    "+996555000011 384 text HELP" "+996555000012 384 text CHECKIN"
want=$((before + N / 4 + RANDOM % (N / 4)))
end=$((SECONDS + 120))
while (($(stored) < want && SECONDS < end)); do
    sleep 0.05
done
bb=$(stack_pid bearerbox)
kill -KILL "$bb"
wait "$bb" 2>/dev/null
cp -a "$T/spool" "$T/spool.at-kill"
# what bearerbox had kept and not yet been told to forget: its MOs are
# the files whose message (a packed sms: type, then the sender's length
# and bytes) comes from a phone, a sender starting with '+'
find "$T/spool" -type f | while read -r f; do
    [ "$(tail -c +9 "$f" | head -c 1)" = + ] && basename "$f"
done | sort -u >"$T/spooled"
pid=$(stack_pid load2) && wait "$pid" 2>/dev/null # fakesmsc goes with bearerbox
(($(wc -l <"$T/spooled") > 0))
ok $? "bearerbox killed with SIGKILL under load, $(wc -l <"$T/spooled") MOs in its spool"
start_bearerbox && wait_box 30 && start_fakesmsc
ok $? "bearerbox started again; chabard reconnects by itself; a phone reconnects"
settle 120 "$T/load2.out" "$T/fakesmsc.log"
sql "select network_id from messages where direction = 'in'" | sort >"$T/stored"
is "$(comm -23 "$T/spooled" "$T/stored" | wc -l)" 0 "every MO of the spool is stored after the restart"
is "$(sort "$T/stored" | uniq -d | wc -l)" 0 "none twice"
# Answered once, but for bearerbox's own window: a reply it delivered to
# the SMSC in the instant before the kill is still in its spool, and it
# delivers it again after the restart (its store is at-least-once for
# MTs too). chabard adds none: a repeat whose reply bearerbox took is
# not answered again (boxreply.h).
count=$(wc -l <"$T/stored")
got=$(fakesmsc_replies "$T/load.out" "$T/load2.out" "$T/fakesmsc.log")
((got >= count && got <= count + 3))
ok $? "every stored MO answered, once but for bearerbox's own redelivery: $got replies for $count MOs"

tap_done
