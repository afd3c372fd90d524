#!/bin/bash
#
# tests/integration/disk_full.sh - a full disk loses nothing acknowledged.
#
# chabard's database on a 4 MiB tmpfs (mounting it needs root, which CI
# and the project's machines are). The disk is filled to the last byte
# while MOs keep coming: each is answered 200 and stored, or 503 and not
# stored (Kannel retries a 503); /health says degraded; chabard keeps
# running; when space returns it recovers by itself, and the retries are
# stored exactly once. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"

BIG=40 # MOs of 20 KB: more than the WAL holds, so the full disk is met
# chabard stopped first (stop_all runs after this): the small disk unmounted
stack_test_cleanup() {
    stop_all
    if mountpoint -q "$T/disk"; then umount "$T/disk"; fi
}
stack_test_begin disk-full
tap_plan 13

mkdir "$T/disk" && mount -t tmpfs -o size=4m,mode=0700 tmpfs "$T/disk" ||
    bail "a 4 MiB tmpfs for the database (mounting needs root)"
CHABAR_DB=$T/disk/chabar.db
write_chabar_conf "$T/chabar.conf" || bail "config written"
start_chabard "$T/chabar.conf" || bail "chabard starts"
pid=$(stack_pid chabard)
URL="http://127.0.0.1:$CHABAR_PORT/kannel/mo?key=$CHABAR_KEY"
sql() { stack_sql "$@"; }
head -c 20000 /dev/zero | tr '\0' x >"$T/text"
# post ID: the 20 KB text as Kannel's post-url sends it; prints the status.
post() {
    stack_curl -o /dev/null -w '%{http_code}' --data-binary @"$T/text" \
        -H 'Content-Type: text/plain' "$URL&from=996555000$((${1#big-} % 100 + 100))&id=$1"
}
health() { stack_curl -o "$T/health" -w '%{http_code}' "http://127.0.0.1:$CHABAR_PORT/health"; }

for i in 1 2 3; do post "warm-$i" >/dev/null; done
is "$(sql "select count(*) from messages where network_id like 'warm-%'")" 3 \
    "with room, MOs are stored"

# Fill the disk to the last byte.
dd if=/dev/zero of="$T/disk/filler" bs=4096 >/dev/null 2>&1
is "$(df --output=avail "$T/disk" | tail -n1 | tr -d ' ')" 0 "the disk is full"
is "$(health)" 503 "/health answers 503"
like "$(cat "$T/health")" '"status":"degraded".*"disk":"low"' "and says the disk is low"

: >"$T/statuses"
for i in $(seq $BIG); do
    printf 'big-%s %s\n' "$i" "$(post "big-$i")" >>"$T/statuses"
done
refused=$(grep -c ' 503$' "$T/statuses")
acked=$(grep -c ' 200$' "$T/statuses")
[ "$refused" -gt 0 ]
ok $? "MOs that no longer fit are answered 503 ($refused of $BIG)"
is "$((refused + acked))" $BIG "every other one 200: none gets anything else"
lost=0 kept_refused=0
while read -r id status; do
    n=$(sql "select count(*) from messages where network_id='$id' and direction='in' and length(text)=20000")
    [ "$status" = 200 ] && [ "$n" != 1 ] && lost=$((lost + 1))
    [ "$status" = 503 ] && [ "$n" != 0 ] && kept_refused=$((kept_refused + 1))
done <"$T/statuses"
is "$lost $kept_refused" "0 0" \
    "every MO answered 200 is stored whole, none answered 503 is stored"
kill -0 "$pid" 2>/dev/null
ok $? "chabard keeps running"
like "$(cat "$T/chabard.out")" 'level=error event=store_(commit|write).*(full|disk)' \
    "the log says why"

# Space returns: chabard recovers by itself, and the retries are stored once.
rm -f "$T/disk/filler"
is "$(health)" 200 "with space back, /health answers 200 again"
for i in $(seq $BIG); do post "big-$i" >/dev/null; done
is "$(sql "select count(*) || ' ' || count(distinct network_id) from messages where network_id like 'big-%' and direction='in'")" \
    "$BIG $BIG" "the retries are stored, each exactly once"
is "$(sql "pragma integrity_check")" ok "the database is intact"
is "$(sql "select count(*) from messages m where m.network_id like 'big-%' and (select count(*) from messages r where r.in_reply_to = m.id) != 1")" \
    0 "and each has exactly one reply"
