#!/usr/bin/env bash
# A client generated from the OpenAPI document, as teams make one (run by .ci/run):
#   1. openapi-python-client generates a Python client from the document a fake serves, in
#      mirror mode and in the default mode; any warning fails (a "response will be omitted" is an
#      answer the client cannot type);
#   2. scripts/generated-client.py uses the mirror-mode client against that fake: creates a batch,
#      lists its cards, renames a group, and gets a typed 400 for a bad number.
# Installs a pinned openapi-python-client from PyPI into a virtual environment under target/.
# Every fake it starts listens on 127.0.0.1 and is stopped on exit.
# Usage: scripts/generated-client.sh [PATH_TO_ENSWITCH_FAKE]   (default: target/debug/enswitch-fake)
set -euo pipefail
cd "$(dirname "$0")/.."
fake=${1:-target/debug/enswitch-fake}
venv=target/generated-client-venv

if [ ! -x "$venv/bin/openapi-python-client" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-python-client==0.29.1'
fi
"$venv/bin/openapi-python-client" --version

# shellcheck source=scripts/fake.sh
source scripts/fake.sh

# Stable names for the package, and no formatter run after generating (ruff is not installed).
cat >"$work/config.yaml" <<'YAML'
project_name_override: enswitch-client
package_name_override: enswitch_client
post_hooks: []
YAML

for mode in ok mirror; do
  printf '\n-- openapi-python-client, the %s-mode document\n' "$mode"
  start_fake --http-status "$mode"
  fetch "$base/_fake/openapi.json" "$work/$mode.json"
  "$venv/bin/openapi-python-client" generate --config "$work/config.yaml" \
    --path "$work/$mode.json" --output-path "$work/$mode" 2>&1 | tee "$work/$mode.out"
  if grep -qiE "warning|will be omitted|error" "$work/$mode.out"; then
    echo "openapi-python-client warned about the $mode-mode document" >&2
    exit 1
  fi
done

printf '\n-- the generated client, against the mirror-mode fake\n'
PYTHONPATH="$work/mirror" "$venv/bin/python" scripts/generated-client.py "$base"
