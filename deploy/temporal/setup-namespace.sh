#!/bin/sh
# Temporal namespace job (runs in temporalio/admin-tools once the server is
# healthy): creates vnfm's namespace and registers the custom search
# attributes monitors carry (src/temporal/search-attributes.ts; a test keeps
# the list below equal to it). Idempotent: an existing namespace is kept and
# an attribute that exists with the same type is accepted.
# The temporal CLI reads TEMPORAL_ADDRESS itself; the namespace is passed on
# every command (`operator namespace describe` ignores TEMPORAL_NAMESPACE).
set -eu
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}"
ns=$TEMPORAL_NAMESPACE
retention=${TEMPORAL_NAMESPACE_RETENTION:-7d}
SEARCH_ATTRIBUTES="VnfId VnfName TenantId MonitorState"

tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "Temporal at $TEMPORAL_ADDRESS is not serving" >&2; exit 1; }
  sleep 2
done

if temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  echo "namespace $ns exists"
else
  temporal operator namespace create --namespace "$ns" --retention "$retention"
fi

# One --name/--type pair per attribute: the CLI pairs them by position. Just
# after the namespace is created the server's namespace cache (refreshed
# every few seconds) does not know it yet, so this is retried.
for name in $SEARCH_ATTRIBUTES; do
  tries=0
  until temporal operator search-attribute create --namespace "$ns" --name "$name" --type Keyword; do
    tries=$((tries + 1))
    [ "$tries" -lt 30 ] || { echo "cannot register search attribute $name" >&2; exit 1; }
    sleep 2
  done
done
temporal operator search-attribute list --namespace "$ns"
echo "namespace $ns is ready"
