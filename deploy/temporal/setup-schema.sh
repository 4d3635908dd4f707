#!/bin/sh
# One-shot run by the `temporal-schema` service (temporalio/admin-tools image) before the server starts:
# creates Temporal's two PostgreSQL databases if missing and applies every schema version (the same steps
# as Temporal's own compose samples). Safe to run on every `docker compose up`: update-schema only applies
# versions that are not there yet, which is also how a server upgrade migrates the schema.
set -eu
SQL="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS:-postgresql} -u ${POSTGRES_USER} -p ${DB_PORT:-5432}"
export SQL_PASSWORD="${POSTGRES_PWD}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

for db in temporal temporal_visibility; do
  $SQL --db "$db" create 2>/dev/null || echo "schema: database $db exists"
done
$SQL --db temporal setup-schema -v 0.0
$SQL --db temporal update-schema -d "$SCHEMA_DIR/temporal/versioned"
$SQL --db temporal_visibility setup-schema -v 0.0
$SQL --db temporal_visibility update-schema -d "$SCHEMA_DIR/visibility/versioned"
echo "schema: up to date"
