#!/bin/bash
#
# tests/integration/kannel_long.sh - a long MO through real Kannel is
# stored whole and answered, by post-url (the shipped form) and get-url.
#
# fakesmsc sends PARTS parts of 153 GSM characters with a concatenation
# UDH, last part first; bearerbox joins them (sms-combine-concatenated-mo)
# and smsbox hands chabard one MO of PARTS * 153 characters, more than the
# 4,096 bytes chabard once cut texts to. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"

PARTS=30
T=$(mktemp -d "${TMPDIR:-/tmp}/chabar-kannel-long.XXXXXX") || exit 1
cleanup() {
    stop_all
    [ "$TAP_FAILED" -ne 0 ] && stack_tail "$T"/*/chabard.out "$T"/*/smsbox.log
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
tap_plan 6

missing=$(stack_missing "$CHABARD")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
# part N: "PNN" and 150 letters, so that the joined text shows the order
part() { printf 'P%02d%s' "$1" "$(printf 'abcdefghij%.0s' $(seq 15))"; }
whole=$(for i in $(seq $PARTS); do part "$i"; done)

for form in post get; do
    unset KANNEL_ADMIN_PORT KANNEL_SMSBOX_PORT KANNEL_FAKE_PORT KANNEL_SENDSMS_PORT \
        CHABAR_PORT CHABAR_DB
    mkdir "$T/$form" && stack_init "$T/$form"
    KANNEL_MO_FORM=$form write_kannel_conf && write_chabar_conf "$T/$form/chabar.conf" &&
        start_kannel && start_chabard "$T/$form/chabar.conf" && start_fakesmsc ||
        bail "$form-url: Kannel, chabard and fakesmsc start"
    UNKNOWN=$(catalog_text en global.unknown)
    before=$(mt_count)
    for i in $(seq $PARTS -1 1); do
        fakesmsc_send "+996555123456 384 udh %05%00%03%2A$(printf '%%%02X%%%02X' $PARTS "$i") $(part "$i")" ||
            bail "fakesmsc sends part $i"
    done
    line=$(wait_mt '^384 [+]?996555123456 ' 20 "$before")
    is "$(decode_mt "${line:-x x text}")" "$UNKNOWN" \
        "$form-url: $PARTS parts sent last first, joined by Kannel: one answer"
    is "$(stack_sql "select count(*) || ' ' || length(text) from messages where direction = 'in'")" \
        "1 $((PARTS * 153))" "$form-url: stored as one message of $((PARTS * 153)) characters"
    is "$(stack_sql "select cast(text as text) = '$whole' from messages where direction = 'in'")" 1 \
        "$form-url: whole and in order"
    stop_all
done
