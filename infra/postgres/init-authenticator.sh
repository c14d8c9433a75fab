#!/bin/sh
# Gives the server's login role its password. The roles' rights come from the server's own
# migrations at start (hub/src/migrations/core.ts), exactly as on the local path.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE authenticator LOGIN NOINHERIT PASSWORD '${PGSTACK_AUTHENTICATOR_PASSWORD}';
SQL
