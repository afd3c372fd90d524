#!/bin/bash
#
# tests/integration/phone.sh - chabar-phone as a trainer uses it, in a
# terminal: run under tmux against a real Kannel and chabard, keys typed
# into it, its screen read back. An SMS and its reply through Kannel; a
# USSD menu dialled through the aggregator route, shown framed as a phone
# shows it, answered; a long reply shown whole; Ctrl-D ends it. TAP output;
# the tmux server and every process stopped by PID.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${top_srcdir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${CHABARCTL:=$top_builddir/gateway/chabarctl}"

stack_test_begin phone fakesmsc.log
tap_plan 7
command -v tmux >/dev/null || bail "tmux is installed"
missing=$(stack_missing "$CHABARD" "$CHABARCTL")
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
SOCKET=chabar-phone-$$
tmux_pid=""
stack_test_cleanup() {
    [ -z "$tmux_pid" ] || kill "$tmux_pid" 2>/dev/null
}
CHABAR_USSD_KEY=$(_stack_secret)
export CHABAR_USSD_KEY
CHABAR_CONF_EXTRA=$(printf '[ussd]\nkey = %s\n' "$CHABAR_USSD_KEY")
write_kannel_conf && write_chabar_conf "$T/chabar.conf" || bail "configs written"
ctl() { "$CHABARCTL" -c "$T/chabar.conf" "$@" </dev/null >/dev/null; }
ctl district add BSK Bishkek en Asia/Bishkek && ctl officer add +996700000001 "Officer" BSK en &&
    ctl person add +996555123456 "Demo" ru 1234 BSK +996700000001 &&
    ctl appointment add +996555123456 "$(date -d '+2 days' +%Y-%m-%d) 10:00" \
        "Октябрьский районный отдел пробации, кабинет 12, второй этаж" || bail "a person enrolled"
start_kannel && start_chabard "$T/chabar.conf" || bail "Kannel and chabard start"

# The phone in tmux, with the stack's environment (tmux runs it from its
# server, which knows nothing of ours).
{
    export -p | grep -E '^declare -x (STACK_|KANNEL_|CHABAR_|FAKESMSC|BEARERBOX|SMSBOX|LANG|LC_)'
    printf 'exec %q %q\n' "$(cd "$top_srcdir/contrib" && pwd)/chabar-phone" +996555123456
} >"$T/phone.sh"
tmux -L "$SOCKET" new-session -d -s phone -x 120 -y 60 "bash $T/phone.sh" || bail "tmux starts the phone"
tmux_pid=$(tmux -L "$SOCKET" display-message -p '#{pid}')
screen() { tmux -L "$SOCKET" capture-pane -p -t phone -S -200; }
# typed KEYS... then waits for PATTERN on the screen: 0 if it shows
typed() {
    local pattern=$1
    shift
    tmux -L "$SOCKET" send-keys -t phone "$@"
    _stack_wait 30 "" "the phone's screen shows $pattern" eval 'screen | grep -qE -- "$pattern"'
}

typed 'you are \+996555123456' ''
ok $? "the phone starts, its own fakesmsc connected to bearerbox"
typed '^reply> ОТМЕТКА - отметиться' ПОМОЩЬ Enter
ok $? "an SMS in Cyrillic: HELP through Kannel, the reply shown"
typed '^reply> Следующая явка: [0-9.]+ 10:00, Октябрьский районный отдел пробации, кабинет 12, второй этаж$' NEXT Enter
ok $? "a reply of two UCS-2 parts, shown whole"
typed '^\|1 Кыргызча +\|$' '*384*3#' Enter
ok $? "dialling *384*3#: the language menu framed as a phone shows it"
typed '^\|Language changed\. +\|$' 6 Enter
ok $? "answered 6: the session ends with its last page"
typed '^reply> Next appointment: ' NEXT Enter
ok $? "and SMS again after it, now in English"
tmux -L "$SOCKET" send-keys -t phone C-d
_stack_wait 10 "" "the phone ends" eval '! tmux -L "$SOCKET" has-session -t phone 2>/dev/null'
ok $? "Ctrl-D ends the phone"
