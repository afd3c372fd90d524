#!/bin/bash
#
# tests/integration/pg_failover_async.sh - pg_failover.sh with the primary
# waiting for no standby: the same failure must lose MOs chabard answered,
# so pg_failover.sh's "every MO answered is on the new primary" can fail.
# TAP output.
PG_FAILOVER_MODE=async exec bash "$(dirname "$0")/pg_failover.sh" "$@"
