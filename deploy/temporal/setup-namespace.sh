#!/bin/sh
# One-shot setup run by the `temporal-setup` service (temporalio/admin-tools image): creates the
# namespace and registers the custom search attributes of the OpenTrain orchestrator. Safe to run again:
# what exists already is left alone. Also usable by hand with the project's CLI (docs/operations.md):
#   TEMPORAL_ADDRESS=localhost:7233 TEMPORAL_NAMESPACE=opentrain sh deploy/temporal/setup-namespace.sh
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
# Name=Type pairs; the list of product contract §4 (src/workflows/search-attributes.ts).
SEARCH_ATTRIBUTES="${OPENTRAIN_SEARCH_ATTRIBUTES:-OpenTrainStage=Keyword OpenTrainJobId=Keyword OpenTrainExternalId=Keyword OpenTrainMissingFields=Int OpenTrainClaimState=Keyword}"
ATTEMPTS="${SETUP_ATTEMPTS:-60}"

# retry <what> <command...>: the server needs a few seconds after start, and a new namespace is only
# visible to other server roles after their namespace cache refreshes.
retry() {
  what="$1"
  shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$ATTEMPTS" ]; then
      echo "setup: giving up on: $what" >&2
      exit 1
    fi
    n=$((n + 1))
    sleep 2
  done
}

retry "Temporal at $ADDRESS to be healthy" temporal operator cluster health --address "$ADDRESS"

if temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "setup: namespace $NAMESPACE exists"
else
  retry "creating namespace $NAMESPACE" temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
  echo "setup: namespace $NAMESPACE created (retention $RETENTION)"
fi

registered() {
  temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" | grep -qw "$1"
}

for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if registered "$name" 2>/dev/null; then
    echo "setup: search attribute $name exists"
  else
    retry "registering search attribute $name" \
      temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" --name "$name" --type "$type"
    echo "setup: search attribute $name ($type) registered"
  fi
done
echo "setup: done"
