#!/bin/bash
#
# tests/integration/pg_cluster.sh - the replicated store's test clusters
# (tests/lib/pg.sh, issue 19) behave as shared/POSTGRES-HA.md says, on
# this machine: a primary and two standbys it waits for start as the
# postgres user in temporary directories; under load, the standbys stop
# receiving (as over a broken link) and the primary is killed with
# SIGKILL: every commit it acknowledged is on the standby promoted then,
# since it acknowledged none it could not replicate; with replication made
# asynchronous the same failure loses acknowledged commits, so a test
# built on these clusters can fail; every cluster is stopped by its data
# directory.
# TAP output.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/stack.sh
. "$here/../lib/stack.sh" || { echo "Bail out! cannot read stack.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/pg.sh
. "$here/../lib/pg.sh" || { echo "Bail out! cannot read pg.sh"; exit 1; }
# shellcheck source-path=SCRIPTDIR source=../lib/tap.sh
. "$here/../lib/tap.sh" || { echo "Bail out! cannot read tap.sh"; exit 1; }

stack_test_begin pg-cluster
stack_test_cleanup() { pg_stop_all; }
tap_plan 6

missing=$(pg_missing)
[ -z "$missing" ] || bail "PostgreSQL 15 present (missing:$missing)"

# load N: inserts 1..N on the primary in one session, a commit each,
# printing each id once its commit returned (acknowledged), until the
# primary goes.
load() {
    local i
    for ((i = 1; i <= $1; i++)); do
        printf 'insert into acked values (%d);\n\\echo %d\n' "$i" "$i"
    done | pg_psql p 2>/dev/null
}

# failover MODE: clusters started, MODE (on or local) for commits, a
# load; after 200 acknowledgements the standbys stop receiving for a
# second, then the primary is killed and the link with it (what it still
# held is gone), and the most advanced standby is promoted; prints how
# many acknowledged ids it lacks.
failover() {
    pg_start || return 1
    pg_sql p "alter system set synchronous_commit = $1" >/dev/null &&
        pg_sql p "select pg_reload_conf()" >/dev/null &&
        pg_sql p "create table acked (id int primary key)" >/dev/null || return 1
    load 100000 >"$T/acked.$1" &
    local loader=$!
    _stack_wait 60 "" "200 acknowledged commits" eval '[ "$(wc -l <"$T/acked.'"$1"'")" -ge 200 ]'
    pg_receiver s1 STOP && pg_receiver s2 STOP
    sleep 1
    pg_kill p
    wait "$loader"
    pg_receiver s1 KILL && pg_receiver s2 KILL
    local node
    node=$(pg_promote_most_advanced) || return 1
    pg_sql "$node" "select id from acked" | sort >"$T/kept.$1"
    sort "$T/acked.$1" | comm -23 - "$T/kept.$1" | wc -l
    stack_log "$1: $(wc -l <"$T/acked.$1") acknowledged, $(wc -l <"$T/kept.$1") on $node"
    pg_stop_all
}

pg_start
ok $? "a primary and two synchronous standbys start, as the postgres user"
is "$(pg_sql p "select string_agg(application_name || ':' || sync_state, ' ' order by application_name) from pg_stat_replication")" \
    "s1:quorum s2:quorum" "both standbys stream, each one of the quorum (ANY 1)"
dir=$PG_DIR # its own: other tests may run clusters beside it
pg_stop_all
[ -n "$dir" ] && [ ! -e "$dir" ] && ! pgrep -f -- "-D $dir/" >/dev/null
ok $? "stopped by their data directories, and their files removed"

lost=$(failover on)
is "$lost" 0 "synchronous: every commit acknowledged before the primary's SIGKILL is on the promoted standby"
lost=$(failover local)
((lost > 0))
ok $? "asynchronous: the same kill loses acknowledged commits ($lost), so the test can fail"
[ -z "$PG_DIR" ]
ok $? "every cluster stopped"

tap_done
