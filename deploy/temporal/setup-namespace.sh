#!/bin/sh
# Temporal namespace job (runs in temporalio/admin-tools once the server is
# healthy): creates vnfm's namespace and registers the custom search
# attributes monitors carry (src/temporal/search-attributes.ts; a test keeps
# the list below equal to it). Idempotent: an existing namespace is kept and
# an attribute that exists with the same type is accepted.
# The temporal CLI reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE itself.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}"
retention=${TEMPORAL_NAMESPACE_RETENTION:-7d}
SEARCH_ATTRIBUTES="VnfId VnfName TenantId MonitorState"

tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "Temporal at $TEMPORAL_ADDRESS is not serving" >&2; exit 1; }
  sleep 2
done

if temporal operator namespace describe >/dev/null 2>&1; then
  echo "namespace $TEMPORAL_NAMESPACE exists"
else
  temporal operator namespace create --retention "$retention"
  # The namespace cache of every Temporal service refreshes within seconds.
  tries=0
  until temporal operator namespace describe >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 30 ] || { echo "namespace $TEMPORAL_NAMESPACE did not appear" >&2; exit 1; }
    sleep 2
  done
fi

# One --name/--type pair per attribute: the CLI pairs them by position.
for name in $SEARCH_ATTRIBUTES; do
  temporal operator search-attribute create --name "$name" --type Keyword
done
temporal operator search-attribute list
echo "namespace $TEMPORAL_NAMESPACE is ready"
