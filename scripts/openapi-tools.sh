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

# shellcheck source=scripts/fake.sh
source scripts/fake.sh

printf '\n-- Schemathesis, every check, mirror mode, the served configuration\n'
# A small card cap keeps the generated batches small, as the configuration's own comment says.
start_fake --http-status mirror --max-cards 1000
fetch "$base/_fake/schemathesis.toml" "$work/schemathesis.toml"
# The embedded seed's user's password (README); the fake never sends one.
ENSWITCH_FAKE_PASSWORD=password "$venv/bin/st" --config-file "$work/schemathesis.toml" run \
  "$base/_fake/openapi.json" --url "$base/api/json" --generation-deterministic --no-color

printf '\n-- openapi-core over the conformance suite'"'"'s exchanges\n'
start_fake
"$venv/bin/python" scripts/openapi-exchanges.py "$base" -- \
  "$fake" check --target '{proxy}/api/json/' --update no --coverage "$work/coverage.json"

printf '\n-- check --coverage against docs/coverage.schema.json\n'
"$venv/bin/python" - "$work/coverage.json" <<'PY'
import json, sys
import jsonschema
schema = json.load(open("docs/coverage.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
coverage = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema).validate(coverage)
print(f"valid: {coverage['covered']} of {coverage['total']} rules and codes ({coverage['percent']}%)")
PY
