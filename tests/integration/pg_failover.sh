#!/bin/bash
#
# tests/integration/pg_failover.sh - the loss of the primary under load,
# through a real Kannel, with chabard on the PostgreSQL backend (issue 19).
#
# A primary and two standbys it waits for ('ANY 1 (s1, s2)',
# tests/lib/pg.sh); bearerbox, smsbox and fakesmsc; chabard with a URI
# that names all three nodes and target_session_attrs=read-write.
# fakesmsc fires MOs; once part of the replies are back, both standbys
# stop receiving (a link gone quiet), the load goes on a moment, the
# primary is killed with SIGKILL and what the links held is dropped; the
# standby with the most WAL is promoted and the other follows it. smsbox
# retries what failed (the same %I), chabard finds the new primary.
# Afterwards, on the new primary:
#   - every MO chabard answered 200 (its log line, with Kannel's id) is
#     there: an answer came after a standby had the commit;
#   - no MO is there twice (one row per network id), none more than were
#     sent, and every one has its reply;
#   - chabard answered after the failover, and /health says a standby
#     streams again;
#   - the URI's first host is one that never answers (a machine gone, its
#     network silent: no RST): chabard tries it and goes on to the others.
# PG_FAILOVER_MODE=async (pg_failover_async.sh): the primary waits for no
# standby; the same failure must lose MOs chabard answered, which proves
# the first check can fail. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/pg.sh
. "$here/../lib/pg.sh" || { echo "Bail out! cannot read pg.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }
: "${top_builddir:=$here/../..}"
: "${CHABARD:=$top_builddir/gateway/chabard}"
MODE=${PG_FAILOVER_MODE:-sync}
N=${FAILOVER_MESSAGES:-3000}

stack_test_begin "pg-failover-$MODE" smsbox.log load.out
stack_test_cleanup() { pg_stop_all; }

[ "$MODE" = sync ] && tap_plan 9 || tap_plan 4

missing="$(stack_missing "$CHABARD")$(pg_missing)"
[ -z "$missing" ] || bail "prerequisites present (missing:$missing)"
pg_start || bail "three PostgreSQL clusters start"
if [ "$MODE" = async ]; then
    pg_sql p "alter system set synchronous_standby_names = ''" >/dev/null &&
        pg_sql p "select pg_reload_conf()" >/dev/null || bail "replication made asynchronous"
    # /health: degraded, no synchronous standby; answered all the same
    export CHABAR_READY_STATUS=503 CHABAR_STORE_STANDBY=optional
fi
pg_database chabar || bail "chabard's database made"
silent=$(free_port) || bail "a free port"
stack_spawn silent TERM perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
    LocalPort => $ARGV[0], Listen => 64, ReuseAddr => 1) or die "listen: $!"; sleep' "$silent"
_stack_wait 10 "$STACK_LAST_PID" "the silent host" bash -c "exec 3<>/dev/tcp/127.0.0.1/$silent" 2>/dev/null ||
    bail "a host that takes connections and never answers"
CHABAR_STORE_URI=${CHABAR_STORE_URI/@127.0.0.1:/@127.0.0.1:$silent,127.0.0.1:}
# A failover takes seconds: smsbox tries each MO for 20 s; a commit no
# standby confirms is given up after 1 s (the connection dropped, 503).
export KANNEL_RETRIES=10 CHABAR_STORE_TIMEOUT_MS=1000
write_kannel_conf && write_chabar_conf "$T/chabar.conf" || bail "configs written"
start_kannel && start_chabard "$T/chabar.conf" || bail "Kannel and chabard start"
ok 0 "Kannel and chabard ($MODE replication) start"

spawn_load "$N"
wait_load_replies $((N / 5)) 60
ok $? "under load: $(load_replies) of $N replies back"

# The links go quiet; the load goes on a moment (asynchronous: the primary
# answers what no standby has); the primary dies, and with it what the
# links still held.
pg_receiver s1 STOP && pg_receiver s2 STOP || bail "the standbys' links cut"
cut=$(load_replies)
wait_load_replies $((cut + N / 10)) 2
pg_kill p
pg_receiver s1 KILL
pg_receiver s2 KILL
before=$(load_replies)
promoted=$(pg_promote_most_advanced) || bail "the most advanced standby promoted"
other=s1
[ "$promoted" = s1 ] && other=s2
pg_follow "$other" "$promoted" &&
    _stack_wait 30 "" "$other streaming to $promoted" pg_streams "$promoted" 1 ||
    bail "$other streams to $promoted"
stack_log "cut after $cut replies, primary killed after $before, $promoted promoted"

wait_load_settled "$N"
got=$(load_replies)

# what the new primary holds (the URI finds it), against what chabard answered
mo_ledger
((got > before))
ok $? "chabard answered after the failover ($((got - before)) replies)"
if [ "$MODE" = async ]; then
    ((MO_ACKED > 0 && MO_LOST > 0))
    ok $? "asynchronous: $MO_LOST of $MO_ACKED MOs answered 200 are not on $promoted (the check can fail)"
    exit
fi
((MO_ACKED > 0)) && is "$MO_LOST" 0 "every MO answered 200 ($MO_ACKED logged) is on the promoted $promoted"
((MO_ACKED > 0)) || ok 1 "chabard logged the MOs it answered"
is "$MO_IDS" "$MO_STORED" "one row per network id: Kannel's retries added no duplicate"
((got <= MO_STORED && MO_STORED <= N))
ok $? "replies received <= MOs stored <= MOs sent: $got <= $MO_STORED <= $N"
is "$MO_ANSWERED" "$MO_STORED" "every stored MO has its reply"
like "$(stack_curl "http://127.0.0.1:$CHABAR_PORT/health")" \
    '"status":"ok".*"store":"postgresql","standbys":1' "/health: $other streams to $promoted"
grep -q "event=store_host host=127.0.0.1 port=$silent " "$T/chabard.out"
ok $? "the URI's first host, which never answers, was tried and passed over"
stack_log "$((N - MO_STORED)) of $N MOs never reached the database, $((N - got)) never got a reply"
