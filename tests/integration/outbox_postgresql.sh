#!/bin/bash
# tests/integration/outbox_postgresql.sh - outbox.sh with chabard and chabarctl on the
# PostgreSQL backend (a primary, two synchronous standbys: tests/lib/pg.sh).
CHABAR_STORE=postgresql exec bash "$(dirname "$0")/outbox.sh" "$@"
