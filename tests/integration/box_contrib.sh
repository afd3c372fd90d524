#!/bin/bash
#
# tests/integration/box_contrib.sh - the shipped contrib/kannel-box.conf,
# as an operator would install it, with chabard as an identified box:
# bearerbox from that file (ports, paths and the lab's fake SMSC only
# changed), its spool store and its sqlite3 delivery-report mappings, its
# smsbox-route sending 384's MOs to the box "chabar". Through it: an MO
# answered, an officer's alert sent through the box ([sendsms] via = box)
# and its delivery reports back on the outbox row, and an MO to another
# number, which no route sends to chabard, left with bearerbox.
# TAP output; every process stopped by PID.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"
export STACK_VIA_BOX=1

stack_test_begin box-contrib bearerbox.log fakesmsc.log
tap_plan 6

missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
stack_defaults || bail "ports and secrets"
mkdir -p "$T/store" &&
    sqlite3 "$T/dlr.db" 'CREATE TABLE dlr (smsc TEXT, ts TEXT, destination TEXT, source TEXT,
        service TEXT, url TEXT, mask INTEGER, status INTEGER, boxc TEXT)' ||
    bail "the store directory and the report table, as the file says"
# the file as shipped, but for this machine's ports and paths, and with
# its smsbox-route taken in (chabard identifies itself below)
sed -e "s|^admin-port = .*|admin-port = $KANNEL_ADMIN_PORT|" \
    -e "s|^admin-password = .*|admin-password = \"$KANNEL_ADMIN_PASSWORD\"|" \
    -e "s|^smsbox-port = .*|smsbox-port = $KANNEL_SMSBOX_PORT|" \
    -e "s|^port = 10000|port = $KANNEL_FAKE_PORT|" \
    -e "s|/var/log/kannel|$T|; s|/var/spool/kannel/store|$T/store|; s|/var/spool/kannel/dlr.db|$T/dlr.db|" \
    -e 's|^#\(group = smsbox-route\)|\1|; s|^#\(smsbox-id = \)|\1|; s|^#\(shortcode = \)|\1|' \
    "$here/../../contrib/kannel-box.conf" >"$T/kannel.conf"
grep -q "^smsbox-port = $KANNEL_SMSBOX_PORT\$" "$T/kannel.conf" && grep -q '^group = smsbox-route' "$T/kannel.conf" ||
    bail "contrib/kannel-box.conf adapted"
CHABAR_CONF_EXTRA=$(chabar_sendsms_conf)
write_chabar_conf "$T/chabar.conf" && printf 'id = chabar\n' >>"$T/chabar.conf" || bail "chabar.conf"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null; }
ctl district add BSK "Bishkek" en Asia/Bishkek >/dev/null &&
    ctl officer add +996555900001 "Bakyt Osmonov" BSK en >/dev/null &&
    ctl person add +996555100001 "Aibek Testov" en 4321 BSK +996555900001 >/dev/null ||
    bail "a person enrolled with an officer"
start_kannel && start_chabard "$T/chabar.conf" && start_fakesmsc ||
    bail "bearerbox from contrib/kannel-box.conf, chabard as the box \"chabar\", fakesmsc"
ok 0 "bearerbox starts from contrib/kannel-box.conf; chabard connects as the box \"chabar\""

before=$(mt_count)
send_mo +996555100002 384 HELP || bail "an MO to 384"
line=$(wait_mt "^384 [+]?996555100002 " 15 "$before")
is "$(decode_mt "${line:-x x text}")" "$(catalog_text en global.help)" "an MO to 384, routed to the box: answered"

for text in CHECKIN 1111 2222 3333; do send_mo +996555100001 384 "$text" || bail "MO $text"; done
wait_mt "^384 [+]?996555900001 " 20 "$before" >/dev/null
ok $? "three wrong PINs: the officer's alert reaches the phone through the box"
delivered() { [ "$(stack_sql "select status from outbox where kind = 'alert'")" = delivered ]; }
_stack_wait 15 "" "the alert's reports" delivered
is "$(stack_sql "select status || ' ' || attempts from outbox where kind = 'alert'")" "delivered 1" \
    "its reports come back to the box (mapped in sqlite3): the row is delivered, sent once"
is "$(sqlite3 "$T/dlr.db" 'select count(*) from dlr')" 0 "and bearerbox's report table is empty again"

# bearerbox says when it holds an MO no box may take
unrouted() { grep -c 'smsbox_list empty' "$T/bearerbox.log"; }
held=$(unrouted)
send_mo +996555100003 999 HELP || bail "an MO to 999"
_stack_wait 10 "" "bearerbox holding it" eval '[ "$(unrouted)" -gt "$held" ]'
is "$(stack_sql "select count(*) from messages where msisdn = '996555100003'")" 0 \
    "an MO to 999, which no route sends to chabar: held by bearerbox, not taken"
# bearerbox would wait at its stop for a box to take that MO: killed
bb=$(stack_pid bearerbox) && kill -KILL "$bb" && wait "$bb" 2>/dev/null

tap_done
