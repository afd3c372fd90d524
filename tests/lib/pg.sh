# shellcheck shell=bash
#
# tests/lib/pg.sh - three local PostgreSQL 15 clusters for the replicated
# store (issue 19): a primary and two standbys it waits for ('ANY 1 (s1,
# s2)', synchronous_commit = on), each in a temporary directory, run as
# the postgres user (PostgreSQL refuses root), on free ports of this
# stack, stopped by data directory (never by process name). Source it
# after tests/lib/stack.sh (shared/POSTGRES-HA.md: "Testing on one
# machine").
#
#     pg_missing                      what is not installed ("" if all is)
#     pg_start                        the three, ready; PG_PORT[p|s1|s2]
#     pg_sql NODE SQL                 one query on p, s1 or s2 (unaligned)
#     pg_psql NODE [ARG...]           psql there (statements on stdin)
#     pg_kill NODE                    SIGKILL its postmaster
#     pg_receiver NODE STOP|KILL      a standby's WAL receiver paused, cut
#     pg_promote_most_advanced        the standby that received most WAL
#                                     promoted; prints its name
#     pg_follow NODE PRIMARY          standby NODE streams from PRIMARY now
#     pg_streams NODE COUNT           NODE reports COUNT standbys streaming
#     pg_database NAME                a new database on p, with the
#                                     SQLite functions of pg-compat.sql;
#                                     CHABAR_STORE_URI is its URI
#     pg_stop_all                     every cluster stopped, its files gone
#
# A test calls pg_stop_all from its stack_test_cleanup.

: "${PG_BIN:=/usr/lib/postgresql/15/bin}"
PG_DIR=
declare -gA PG_PORT=() PG_FLUSHED=()

# pg_missing: the programs and the user the clusters need, if missing.
pg_missing() {
    local f
    for f in initdb pg_ctl pg_basebackup postgres psql; do
        [ -x "$PG_BIN/$f" ] || printf ' %s' "$PG_BIN/$f"
    done
    command -v psql >/dev/null || printf ' psql (on PATH, for stack_sql)'
    id postgres >/dev/null 2>&1 || printf ' the postgres user'
    command -v runuser >/dev/null || printf ' runuser'
    [ "$(id -u)" -eq 0 ] || printf ' root (to run PostgreSQL as postgres)'
}

# _pg NODE CMD...: a PostgreSQL program as the postgres user.
_pg() {
    runuser -u postgres -- "$@"
}

# pg_psql NODE [ARG...]: psql on NODE (p, s1, s2), rows unaligned, stopping
# at the first error; without -c it reads statements from standard input.
pg_psql() {
    local node=$1
    shift
    _pg "$PG_BIN/psql" -X -q -A -t -h 127.0.0.1 -p "${PG_PORT[$node]}" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 "$@"
}

# pg_sql NODE SQL: one statement on NODE.
pg_sql() {
    pg_psql "$1" -c "$2"
}

# _pg_start_one NODE: pg_ctl start, waiting until it accepts connections.
_pg_start_one() {
    _pg "$PG_BIN/pg_ctl" -D "$PG_DIR/$1" -l "$PG_DIR/$1.log" -w -t 30 start >/dev/null
}

# _pg_quorum COUNT: the primary sees COUNT standbys streaming, each one
# it may wait for.
_pg_quorum() {
    [ "$(pg_sql p "select count(*) from pg_stat_replication
        where state = 'streaming' and sync_state = 'quorum'" 2>/dev/null)" = "$1" ]
}

# pg_start: initdb the primary, base-backup the two standbys, start all
# three; ready when both standbys stream to the primary.
pg_start() {
    local node
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chabar-pg.XXXXXX") || return 1
    chown postgres "$PG_DIR" || return 1
    for node in p s1 s2; do
        PG_PORT[$node]=$(free_port) || return 1
    done
    _pg "$PG_BIN/initdb" -k -A trust -U postgres --no-locale -E UTF8 -D "$PG_DIR/p" >"$PG_DIR/initdb.log" 2>&1 || {
        stack_tail "$PG_DIR/initdb.log"
        return 1
    }
    cat >>"$PG_DIR/p/postgresql.conf" <<EOF
port = ${PG_PORT[p]}
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
wal_level = replica
max_wal_senders = 10
synchronous_standby_names = 'ANY 1 (s1, s2)'
synchronous_commit = on
EOF
    _pg_start_one p || { stack_tail "$PG_DIR/p.log"; return 1; }
    for node in s1 s2; do
        _pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "${PG_PORT[p]}" -U postgres -D "$PG_DIR/$node" \
            -R -X stream >>"$PG_DIR/basebackup.log" 2>&1 || {
            stack_tail "$PG_DIR/basebackup.log"
            return 1
        }
        # its own port, and its name in the primary's synchronous_standby_names
        cat >>"$PG_DIR/$node/postgresql.auto.conf" <<EOF
port = ${PG_PORT[$node]}
primary_conninfo = 'host=127.0.0.1 port=${PG_PORT[p]} user=postgres application_name=$node'
EOF
        _pg_start_one "$node" || { stack_tail "$PG_DIR/$node.log"; return 1; }
    done
    _stack_wait 30 "" "two standbys in the quorum" _pg_quorum 2
}

# pg_database NAME: a new database NAME on the primary, chabard's from now
# (write_chabar_conf, stack_sql); the URI names every node, as a
# deployment's does, so a promoted standby is found.
pg_database() {
    pg_sql p "create database $1" &&
        pg_psql p -d "$1" <"$(dirname "${BASH_SOURCE[0]}")/pg-compat.sql" || return 1
    CHABAR_STORE_URI="postgresql://postgres@127.0.0.1:${PG_PORT[p]},127.0.0.1:${PG_PORT[s1]}"
    CHABAR_STORE_URI+=",127.0.0.1:${PG_PORT[s2]}/$1?target_session_attrs=read-write&connect_timeout=2"
    export CHABAR_STORE_URI
}

# pg_receiver NODE SIGNAL: signal the WAL receiver of standby NODE. STOP:
# it receives nothing more, as over a link that went quiet; KILL then:
# what the link still held is gone (the standby restarts its processes
# and keeps only the WAL it had flushed).
pg_receiver() {
    local pid
    pid=$(pg_sql "$1" "select pid from pg_stat_wal_receiver") && [ -n "$pid" ] &&
        kill -s "$2" "$pid" || return 1
    # what it has flushed, read while it cannot move (a standby restarted
    # after KILL may answer before it has replayed all of it)
    [ "$2" = STOP ] && PG_FLUSHED[$1]=$(pg_sql "$1" "select flushed_lsn - '0/0' from pg_stat_wal_receiver")
    return 0
}

# pg_kill NODE: SIGKILL the postmaster of NODE (its children follow).
pg_kill() {
    local pid
    pid=$(head -n1 "$PG_DIR/$1/postmaster.pid" 2>/dev/null) && kill -KILL "$pid"
}

# _pg_answers NODE: it answers a query. _pg_primary NODE: as a primary.
_pg_answers() {
    pg_sql "$1" "select 1" >/dev/null 2>&1
}
_pg_primary() {
    [ "$(pg_sql "$1" "select pg_is_in_recovery()" 2>/dev/null)" = f ]
}

# pg_promote_most_advanced: promote the standby whose received WAL is
# furthest (the one with every acknowledged commit); print its name.
pg_promote_most_advanced() {
    local best=s1 lsn1 lsn2 lsn="select greatest(pg_last_wal_receive_lsn(),
        pg_last_wal_replay_lsn()) - '0/0'"
    _stack_wait 30 "" "the standbys answering" eval '_pg_answers s1 && _pg_answers s2' || return 1
    lsn1=$(pg_sql s1 "$lsn")
    lsn2=$(pg_sql s2 "$lsn")
    lsn1=${PG_FLUSHED[s1]:-$lsn1} lsn2=${PG_FLUSHED[s2]:-$lsn2}
    [ "${lsn2%.*}" -gt "${lsn1%.*}" ] && best=s2
    _pg "$PG_BIN/pg_ctl" -D "$PG_DIR/$best" -w promote >/dev/null || return 1
    _stack_wait 30 "" "$best promoted" _pg_primary "$best" || return 1
    echo "$best"
}

# pg_follow NODE PRIMARY: standby NODE takes its WAL from PRIMARY (a
# promoted standby) from now on, following its new timeline, so PRIMARY
# has a synchronous standby again.
pg_follow() {
    local conninfo="host=127.0.0.1 port=${PG_PORT[$2]} user=postgres application_name=$1"
    pg_sql "$1" "alter system set primary_conninfo = '$conninfo'" >/dev/null &&
        pg_sql "$1" "select pg_reload_conf()" >/dev/null
}

# pg_streams NODE COUNT: NODE, a primary, has COUNT standbys streaming.
pg_streams() {
    [ "$(pg_sql "$1" "select count(*) from pg_stat_replication where state = 'streaming'" \
        2>/dev/null)" = "$2" ]
}

# pg_stop_all: stop every cluster (immediate: nothing to keep) by its data
# directory, then remove them.
pg_stop_all() {
    local node
    [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
    for node in p s1 s2; do
        [ -f "$PG_DIR/$node/postmaster.pid" ] &&
            _pg "$PG_BIN/pg_ctl" -D "$PG_DIR/$node" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$PG_DIR"
    PG_DIR= PG_FLUSHED=()
}
