#!/bin/bash
#
# tests/scenarios/run_postgresql.sh - every scenario file, as run.sh plays
# them against SQLite, against the PostgreSQL backend: a primary and two
# synchronous standbys (tests/lib/pg.sh), a new database for each file.
# TAP output.
CHABAR_STORE=postgresql exec bash "$(dirname "$0")/run.sh" "$@"
