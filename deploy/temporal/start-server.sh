#!/bin/sh
# Temporal server in docker-compose.yml (runs in temporalio/server): all four
# services in one process, configured by deploy/temporal/config/vnfm.yaml —
# the template `npm run temporal:cluster` runs too, one process per service.
# The services listen on the container's address, which is also the address
# they announce to each other (ringpop membership in the database).
set -eu
: "${TEMPORAL_DB_HOST:?}" "${TEMPORAL_DB_USER:?}" "${TEMPORAL_DB_PASSWORD:?}"
TEMPORAL_BIND_IP=${TEMPORAL_BIND_IP:-$(hostname -i | awk '{print $1}')}
export TEMPORAL_BIND_IP
exec temporal-server --root /vnfm --config config --env vnfm --allow-no-auth start
