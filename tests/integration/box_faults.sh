#!/bin/bash
#
# tests/integration/box_faults.sh - chabard as a box of bearerbox (box.h)
# when things go wrong around it:
#   - the database refuses writes (another process holds its lock): what
#     could not be stored is not acknowledged; chabard closes the
#     connection, says why, and waits (backing off, never a tight loop)
#     until the store works again; then every MO is stored once and
#     answered once;
#   - one MO the store refuses (a trigger) among others: the others are
#     answered at once; that one is held, unacknowledged, and asked for
#     again 10 s later, when it is stored;
#   - bearerbox stops (SIGTERM) and starts again: chabard closes at once
#     when told, and connects again by itself;
#   - a peer that is not bearerbox sends a frame over the length cap, then
#     a malformed message: chabard logs it, drops that connection, and
#     keeps running.
# TAP output; every process stopped by PID.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
export STACK_VIA_BOX=1

stack_test_begin box-faults bearerbox.log fakesmsc.log
sql() { stack_sql "$@"; }
stored() { sql "select count(*) from messages where direction = 'in'"; }
stored_is() { [ "$(stored)" = "$1" ]; }

tap_plan 16

missing=$(stack_missing "$CHABARD")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
command -v "$NODE" >/dev/null || bail "node present (the fake peer)"
write_kannel_conf && write_chabar_conf "$T/chabar.conf" || bail "configs written"
start_kannel && start_chabard "$T/chabar.conf" && start_fakesmsc ||
    bail "bearerbox, chabard (as its box) and fakesmsc start"
ok 0 "bearerbox, chabard (as its box) and fakesmsc start"

# --- the store refuses writes, with a window full of MOs -------------------------
# chabard away while 20 MOs queue at bearerbox, the database locked, chabard
# back: bearerbox sends it all 20 at once
pid=$(stack_pid chabard) && kill -TERM "$pid" && wait "$pid" 2>/dev/null
before=$(mt_count)
for i in $(seq 10 29); do send_mo "+9965550001$i" 384 HELP || bail "MO $i sent"; done
stack_db_lock || bail "the database locked by another process"
mv "$T/chabard.out" "$T/chabard.out.0"
STACK_VIA_BOX=0 start_chabard "$T/chabar.conf" || bail "chabard back" # it will not stay connected
_stack_wait 15 "" "the refusal" grep -q 'event=box_disconnected reason=store_error' "$T/chabard.out"
ok $? "a write refused: chabard closes the connection, saying why (store_error)"
took=$(stack_curl -o /dev/null -w '%{time_total}' "http://127.0.0.1:$CHABAR_PORT/health")
refusals=$(grep -c 'event=store_begin' "$T/chabard.out")
awk -v t="$took" 'BEGIN { exit !(t < 1) }' && ((refusals <= 2))
ok $? "the rest of the window is left with bearerbox: $refusals refused write(s), /health in ${took} s"
sleep 4 # long enough for a tight loop to show
is "$(stored)" 0 "nothing stored while the lock is held"
waits=$(grep -o 'event=box_\(disconnected reason=store_error\|waiting reason=store_failing\) retry_s=[0-9]*' \
    "$T/chabard.out" | sed 's/.*retry_s=//' | tr '\n' ' ' | sed 's/ $//')
like "$waits" '^1 2 4( 8)?$' "backing off, not a loop: waits of $waits s in 4 s"
stack_db_unlock
_stack_wait 30 "" "the MOs stored" stored_is 20
is "$(stored)" 20 "the lock released: chabard connects again and bearerbox's 20 MOs are stored"
# mt_settled AFTER COUNT: the MTs since AFTER (an mt_count), once there
# are COUNT and a second more brought no other
mt_since() { echo $(($(mt_count) - MT_AFTER)); }
mt_at_least() { [ "$(mt_since)" -ge "$1" ]; }
mt_settled() {
    MT_AFTER=$1
    _stack_wait 15 "" "the replies" mt_at_least "$2" && sleep 1
    mt_since
}
is "$(mt_settled "$before" 20)" 20 "each answered once"

# --- one MO the store refuses --------------------------------------------------------
stack_sql "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text = 'POISON'
    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END" || bail "the trigger"
before=$(mt_count)
send_mo +996555000301 384 HELP && send_mo +996555000302 384 POISON &&
    send_mo +996555000303 384 HELP || bail "three MOs, the second refused"
is "$(mt_settled "$before" 2)" 2 "the other two answered at once"
like "$(cat "$T/chabard.out")" 'event=box_not_stored id=[0-9a-f-]{36} held=bearerbox' \
    "the refused one: not acknowledged, logged with its UUID"
stack_sql "DROP TRIGGER poison"
_stack_wait 30 "" "the refused MO again" stored_is 23
is "$(stack_sql "select count(*) from messages where direction = 'in' and text = 'POISON'")" 1 \
    "bearerbox asked for it again: stored once"
is "$(mt_settled "$before" 3)" 3 "and answered once"

# --- bearerbox stops and starts again ----------------------------------------------
fake=$(stack_pid fakesmsc) # it would abort when bearerbox goes
kill -TERM "$fake" && wait "$fake" 2>/dev/null
bb=$(stack_pid bearerbox)
kill -TERM "$bb"
_stack_wait 10 "" "bearerbox gone" eval '! _stack_alive '"$bb"
ok $? "bearerbox stops at once on SIGTERM: chabard closed when told (bearerbox waits for its boxes)"
like "$(stack_curl "http://127.0.0.1:$CHABAR_PORT/health")" '"box":"(waiting|connecting)"' \
    "/health says the box is waiting to connect"
start_bearerbox && wait_box 30 && start_fakesmsc
ok $? "bearerbox started again: chabard connects by itself"
before=$(mt_count)
send_mo +996555000201 384 HELP && wait_mt "^384 [+]?996555000201 " 15 "$before" >/dev/null
ok $? "and answers the next MO"

# --- a peer that is not bearerbox --------------------------------------------------
PEER_PORT=$(free_port) || bail "a port for the fake peer"
# Each connection gets one bad frame: first a length over the cap, then a
# heartbeat cut short; node logs each connection it accepts.
cat >"$T/peer.js" <<'JS'
const net = require('net');
let n = 0;
net.createServer((s) => {
    n++;
    console.log('connection ' + n);
    const bad = n === 1 ? Buffer.from([0x7f, 0, 0, 0]) : Buffer.from([0, 0, 0, 2, 0, 0]);
    s.on('error', () => {});
    s.write(bad);
}).listen(+process.argv[2], '127.0.0.1', () => console.log('listening'));
JS
stack_spawn peer TERM "$NODE" "$T/peer.js" "$PEER_PORT"
_stack_wait 10 "$STACK_LAST_PID" "the fake peer" grep -q listening "$T/peer.out"
sed "s/^bearerbox = .*/bearerbox = 127.0.0.1:$PEER_PORT/; s/^listen = 127.0.0.1:.*/listen = 127.0.0.1:$(free_port)/" \
    "$T/chabar.conf" >"$T/peer.conf"
sed -i "s|^database = .*|database = $T/peer.db|" "$T/peer.conf"
: >"$T/chabard.out.1"
mv "$T/chabard.out" "$T/chabard.out.1"
start_chabard "$T/peer.conf" 2>/dev/null # it never sees bearerbox: no wait_box
_stack_wait 20 "$(stack_pid chabard)" "two bad frames" grep -q 'connection 2' "$T/peer.out"
_stack_wait 10 "" "the second refusal" test "$(grep -c 'event=box_bad_frame' "$T/chabard.out")" -ge 2
like "$(grep 'event=box_bad_frame' "$T/chabard.out" | tr '\n' '~')" \
    'reason=length.*~.*reason=malformed' \
    "a frame over the cap, then a malformed one: each logged, its connection dropped"

tap_done
