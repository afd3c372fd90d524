#!/bin/bash
#
# tests/integration/gates.sh - every route has its allow list, applied when
# a connection is accepted (an address no route allows is closed before it
# takes a slot) and per route (403); secrets that are placeholders stop the
# daemon from starting. Loopback addresses other than 127.0.0.1 stand in
# for other hosts. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"

stack_test_begin gates
tap_plan 10

# --- placeholders refused ------------------------------------------------
out=$("$CHABARD" -n -c "$STACK_SRCDIR/contrib/chabar.conf" 2>&1)
is "$?" 1 "chabard -n refuses contrib/chabar.conf as shipped"
like "$(printf '%s' "$out" | tr '\n' ' ')" \
    '\[kannel\] key: looks like a placeholder.*openssl rand -hex 32.*\[conversation\] pin_key: repeats a pattern' \
    "naming both placeholder secrets and how to make real ones"

# --- allow lists ----------------------------------------------------------
USSD_KEY=$(_stack_secret)
# /kannel/mo: 127.0.0.1 (stack default); /ussd/at: 127.0.0.2 only;
# /health and /metrics: loopback 127.0.0.1 and ::1 (the default)
CHABAR_CONF_EXTRA=$(printf '[ussd]\nkey = %s\nallow = 127.0.0.2' "$USSD_KEY")
write_chabar_conf "$T/chabar.conf" || bail "config written"
start_chabard "$T/chabar.conf" || bail "chabard starts"
BASE="http://127.0.0.1:$CHABAR_PORT"
# from ADDRESS CURL-ARGS...: the status as seen from ADDRESS (000: closed)
from() {
    local address=$1
    shift
    stack_curl -o "$T/body" -w '%{http_code}' --interface "$address" "$@"
}
ussd=(-d "sessionId=G1&serviceCode=%2A384%23&phoneNumber=%2B996555000301&text="
    "$BASE/ussd/at?key=$USSD_KEY")

is "$(from 127.0.0.3 "$BASE/health")" 000 \
    "an address no route allows is closed on connecting, unanswered"
is "$(from 127.0.0.2 "${ussd[@]}")" 200 "/ussd/at answers its aggregator's address"
like "$(cat "$T/body")" '^(CON|END) ' "with a page"
is "$(from 127.0.0.1 "${ussd[@]}")" 403 "and refuses another, even with the key"
is "$(from 127.0.0.2 "$BASE/kannel/mo?key=$CHABAR_KEY&from=996555000302&text=HI&id=g-1")" 403 \
    "/kannel/mo refuses the aggregator's address"
is "$(from 127.0.0.2 "$BASE/health")" 403 "/health and /metrics refuse it too"
is "$(from 127.0.0.1 "$BASE/health")" 200 "and answer loopback"
like "$(from 127.0.0.1 "$BASE/metrics" >/dev/null; cat "$T/body")" \
    'chabar_connections_closed_total\{reason="refused_not_allowed"\} [1-9]' \
    "/metrics counts the connections refused"
