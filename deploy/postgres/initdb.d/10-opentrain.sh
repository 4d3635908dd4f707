#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (postgres image, /docker-entrypoint-initdb.d):
# a role and a database of their own for the OpenTrain credential store, next to Temporal's databases.
# The store creates its table on first use. Password from OPENTRAIN_DB_PASSWORD (see .env.example).
set -eu
: "${OPENTRAIN_DB_PASSWORD:?OPENTRAIN_DB_PASSWORD must be set}"
psql -v ON_ERROR_STOP=1 -v pw="$OPENTRAIN_DB_PASSWORD" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE ROLE opentrain LOGIN PASSWORD :'pw';
CREATE DATABASE opentrain OWNER opentrain;
REVOKE ALL ON DATABASE opentrain FROM PUBLIC;
SQL
