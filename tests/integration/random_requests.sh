#!/bin/bash
#
# tests/integration/random_requests.sh - random requests over chabard's
# whole HTTP path (tests/lib/random_requests.js: what Kannel and an
# aggregator send, mangled; a fixed seed, so a failure can be replayed).
# chabard must answer each with a status it gives bad input, or close it;
# stay up and healthy; write one log line per call; keep its database
# intact, with nothing in it that validation at the edge refuses. In CI
# chabard runs under AddressSanitizer and UndefinedBehaviorSanitizer, so a
# memory error anywhere on the path fails this test. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
: "${RANDOM_REQUESTS:=3000}" "${RANDOM_SEED:=20261128}"

stack_test_begin random random.err
tap_plan 7

command -v node >/dev/null || bail "node is installed"
USSD_KEY=$(_stack_secret)
# short deadlines, so that requests cut short end quickly
CHABAR_CONF_EXTRA=$(printf '[chabard]\nrequest_timeout = 2\nidle_timeout = 3\n[ussd]\nkey = %s' \
    "$USSD_KEY")
write_chabar_conf "$T/chabar.conf" || bail "config written"
start_chabard "$T/chabar.conf" || bail "chabard starts"
pid=$(stack_pid chabard)

node "$STACK_SRCDIR/tests/lib/random_requests.js" "$CHABAR_PORT" "$CHABAR_KEY" "$USSD_KEY" \
    "$RANDOM_SEED" "$RANDOM_REQUESTS" >"$T/random.out" 2>"$T/random.err"
is "$?" 0 "$RANDOM_REQUESTS random requests (seed $RANDOM_SEED): every answer a status for bad input, or a close"
printf '# %s\n' "$(tail -n1 "$T/random.out")"
like "$(tail -n1 "$T/random.out")" ' s200=[1-9]' "some of them reached the pipeline and were answered"
kill -0 "$pid" 2>/dev/null
ok $? "chabard is still running"
is "$(stack_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CHABAR_PORT/health")" 200 \
    "and healthy"
stop_all # its last lines written
grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z level=(debug|info|warn|error) event=[a-z_]+( |$)' \
    "$T/chabard.out" >"$T/foreign"
is "$(wc -l <"$T/foreign")" 0 "every line of its log is one of its own"
head -n5 "$T/foreign" | sed 's/^/#   not its own: /' 
is "$(stack_sql "pragma integrity_check")" ok "the database is intact"
is "$(stack_sql "select count(*) from messages where msisdn glob '*[^0-9]*'
    or peer glob '*[^0-9A-Za-z*#+ .-]*' or network_id glob '*[^!-~]*'")" 0 \
    "nothing in it that validation at the edge refuses"
