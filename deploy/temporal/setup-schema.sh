#!/bin/sh
# Temporal schema job (runs in temporalio/admin-tools): creates the temporal
# and temporal_visibility databases on Temporal's PostgreSQL and brings both
# schemas to the version this admin-tools image ships. Idempotent: a database
# that exists is kept, and update-schema applies only the missing versions,
# so the job runs on every `docker compose up` and after every image upgrade.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port=${DB_PORT:-5432}
schemas=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"
}

for db in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  name=${db%%:*}
  dir=${db#*:}
  echo "schema of $name ($dir)"
  sql --db "$name" create
  sql --db "$name" setup-schema -v 0.0
  sql --db "$name" update-schema -d "$schemas/$dir/versioned"
done
echo "Temporal schemas are up to date"
