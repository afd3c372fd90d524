#!/bin/sh
# contrib/postgresql/pg_auto_failover.sh - chabar's replicated store with
# pg_auto_failover 2.0 (Debian 12: postgresql-15-auto-failover and
# pg-auto-failover-cli): a monitor and three data nodes, every commit
# confirmed by one of two standbys. README.md in this directory says why
# three and not two. Run as the postgres user, one role per machine:
#
#   MONITOR_HOST=mon.example ./pg_auto_failover.sh monitor
#   MONITOR_URI=postgres://autoctl_node@mon.example:5432/pg_auto_failover?sslmode=require \
#     NODE_HOST=db1.example ./pg_auto_failover.sh node        # then db2, db3
#   ./pg_auto_failover.sh check                              # on the monitor
#   ./pg_auto_failover.sh uri                                # on the monitor
#
# Settings (environment): PGDATA (default /var/lib/postgresql/15/pgaf),
# PGPORT (5432), AUTH (scram-sha-256; the nodes' own connections: set a
# password for autoctl_node and pgautofailover_replicator in ~/.pgpass),
# SSL (--ssl-self-signed; give --ssl-ca-file etc. for your own CA),
# FORMATION (default). Each command runs pg_autoctl in the foreground
# with --run; `pg_autoctl show systemd` prints a unit to run it instead.
set -eu

: "${PGDATA:=/var/lib/postgresql/15/pgaf}"
: "${PGPORT:=5432}"
: "${AUTH:=scram-sha-256}"
: "${SSL:=--ssl-self-signed}"
: "${FORMATION:=default}"
export PGDATA PGPORT
PATH=/usr/lib/postgresql/15/bin:$PATH

case ${1:-} in
monitor)
    # The monitor holds the formation's state and decides failovers; it
    # is not a data node and holds none of chabar's records.
    # shellcheck disable=SC2086 # SSL may be several options
    exec pg_autoctl create monitor --hostname "${MONITOR_HOST:?MONITOR_HOST}" \
        --pgport "$PGPORT" --auth "$AUTH" $SSL --run
    ;;
node)
    # The first node registered becomes the primary, the next two its
    # standbys. --candidate-priority and --replication-quorum stay at
    # their defaults (50, true): every node may be promoted, and every
    # standby counts toward the commit quorum.
    # shellcheck disable=SC2086
    exec pg_autoctl create postgres --hostname "${NODE_HOST:?NODE_HOST}" \
        --pgport "$PGPORT" --monitor "${MONITOR_URI:?MONITOR_URI}" \
        --formation "$FORMATION" --auth "$AUTH" $SSL --run
    ;;
check)
    # One of the two standbys confirms each commit: 'ANY 1 (…)'. With
    # three data nodes pg_auto_failover sets number-sync-standbys to 1 by
    # itself once the third joins; this says so, and fails if it is 0
    # (commits confirmed by no standby).
    pg_autoctl show settings --formation "$FORMATION"
    n=$(pg_autoctl get formation number-sync-standbys --formation "$FORMATION")
    if [ "$n" -lt 1 ]; then
        echo "number-sync-standbys is $n: add the third data node" >&2
        exit 1
    fi
    ;;
uri)
    # A multi-host URI with target_session_attrs=read-write: put it in
    # chabar.conf's [store] uri with chabar's user and database.
    pg_autoctl show uri --formation "$FORMATION"
    ;;
*)
    echo "usage: $0 monitor|node|check|uri (see the top of this file)" >&2
    exit 2
    ;;
esac
