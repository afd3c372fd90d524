#!/bin/bash
# tests/integration/ctl_postgresql.sh - ctl.sh with chabard and chabarctl on the
# PostgreSQL backend (a primary, two synchronous standbys: tests/lib/pg.sh).
CHABAR_STORE=postgresql exec bash "$(dirname "$0")/ctl.sh" "$@"
