#!/bin/bash
# tests/integration/kannel_checkin_postgresql.sh - kannel_checkin.sh with chabard and chabarctl on the
# PostgreSQL backend (a primary, two synchronous standbys: tests/lib/pg.sh).
CHABAR_STORE=postgresql exec bash "$(dirname "$0")/kannel_checkin.sh" "$@"
