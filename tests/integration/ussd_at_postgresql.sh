#!/bin/bash
# tests/integration/ussd_at_postgresql.sh - ussd_at.sh with chabard and chabarctl on the
# PostgreSQL backend (a primary, two synchronous standbys: tests/lib/pg.sh).
CHABAR_STORE=postgresql exec bash "$(dirname "$0")/ussd_at.sh" "$@"
