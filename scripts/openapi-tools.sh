#!/usr/bin/env bash
# The OpenAPI document, proved with the tools teams point at it (run by .ci/run):
#   1. Schemathesis, every check, every operation, against a fake answering in mirror mode
#      (`--http-status mirror`), with the configuration that fake serves at
#      /_fake/schemathesis.toml and nothing else (the checks turned off, where and why, are made
#      there from the spec: src/workbench/schemathesis.rs); the README's quick start, as a user
#      runs it.
#   2. openapi-core over every exchange of the conformance suite (`check`), through
#      scripts/openapi-exchanges.py, against a fake in the default mode; the same run writes
#      `--coverage`, which must validate against docs/coverage.schema.json.
# Installs pinned versions from PyPI into a virtual environment under target/. Every fake it
# starts listens on 127.0.0.1 and is stopped on exit.
# Usage: scripts/openapi-tools.sh [PATH_TO_ENSWITCH_FAKE]   (default: target/debug/enswitch-fake)
set -euo pipefail
cd "$(dirname "$0")/.."
fake=${1:-target/debug/enswitch-fake}
venv=target/openapi-tools-venv

if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    'schemathesis==4.32.5' 'openapi-core==0.23.1'
fi
"$venv/bin/st" --version
"$venv/bin/python" -c 'import importlib.metadata as m; print("openapi-core", m.version("openapi-core"))'

logs=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap cleanup EXIT

# Starts the fake with the given flags on a free port; sets $base to its address.
start() {
  local log="$logs/fake-${#pids[@]}.log"
  # Made before the fake starts, so that reading it cannot race the shell's redirection.
  : >"$log"
  "$fake" serve --addr 127.0.0.1:0 "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    base=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$log")
    [ -n "$base" ] && return 0
    sleep 0.1
  done
  echo "the fake did not start:" >&2
  cat "$log" >&2
  return 1
}

printf '\n-- Schemathesis, every check, mirror mode, the served configuration\n'
# A small card cap keeps the generated batches small, as the configuration's own comment says.
start --http-status mirror --max-cards 1000
"$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlretrieve(*sys.argv[1:])' \
  "$base/_fake/schemathesis.toml" "$logs/schemathesis.toml"
# The embedded seed's user's password (README); the fake never sends one.
ENSWITCH_FAKE_PASSWORD=password "$venv/bin/st" --config-file "$logs/schemathesis.toml" run \
  "$base/_fake/openapi.json" --url "$base/api/json" --generation-deterministic --no-color

printf '\n-- openapi-core over the conformance suite'"'"'s exchanges\n'
start
"$venv/bin/python" scripts/openapi-exchanges.py "$base" -- \
  "$fake" check --target '{proxy}/api/json/' --update no --coverage "$logs/coverage.json"

printf '\n-- check --coverage against docs/coverage.schema.json\n'
"$venv/bin/python" - "$logs/coverage.json" <<'PY'
import json, sys
import jsonschema
schema = json.load(open("docs/coverage.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
coverage = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema).validate(coverage)
print(f"valid: {coverage['covered']} of {coverage['total']} rules and codes ({coverage['percent']}%)")
PY
