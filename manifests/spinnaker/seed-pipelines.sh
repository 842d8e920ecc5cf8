#!/bin/sh
# Saves the workshop's Spinnaker application and pipelines through gate.
# Runs in a Kubernetes Job; any failure exits non-zero, so the Job (and the
# `pulumi up` waiting for it) fails with the reason in its log.
# Environment: GATE_URL (ending in /api/v1), GATE_USER, GATE_PASSWORD.
# Files: /pipelines/application.json and one /pipelines/<pipeline>.json each.
set -eu

gate() { # gate METHOD PATH [BODY_FILE]: prints the response body, fails on HTTP errors
  if [ $# -eq 3 ]; then
    curl -sS --fail-with-body -u "$GATE_USER:$GATE_PASSWORD" -X "$1" \
      -H 'Content-Type: application/json' --data-binary "@$3" "$GATE_URL$2"
  else
    curl -sS --fail-with-body -u "$GATE_USER:$GATE_PASSWORD" -X "$1" "$GATE_URL$2"
  fi
}

echo "waiting for gate at $GATE_URL/health"
tries=0
until curl -sS -o /dev/null --fail "$GATE_URL/health"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 120 ]; then
    echo "gate did not become healthy in 20 minutes" >&2
    exit 1
  fi
  sleep 10
done

echo "creating application"
ref=$(gate POST /tasks /pipelines/application.json | sed -n 's/.*"ref" *: *"\([^"]*\)".*/\1/p')
[ -n "$ref" ] || { echo "gate returned no task reference for the application" >&2; exit 1; }
status=""
tries=0
while [ "$status" != "SUCCEEDED" ]; do
  status=$(gate GET "$ref" | sed -n 's/.*"status" *: *"\([A-Z_]*\)".*/\1/p' | head -n 1)
  case "$status" in
    TERMINAL|CANCELED|STOPPED) echo "creating the application ended $status" >&2; exit 1 ;;
  esac
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "creating the application did not finish (last status: $status)" >&2
    exit 1
  fi
  sleep 5
done

for file in /pipelines/*.json; do
  [ "$(basename "$file")" = application.json ] && continue
  echo "saving pipeline $(basename "$file" .json)"
  if ! out=$(gate POST /pipelines "$file"); then
    echo "saving $(basename "$file") failed: $out" >&2
    exit 1
  fi
done
echo "application and pipelines saved"
