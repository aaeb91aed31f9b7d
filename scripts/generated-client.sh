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

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the fake with the given flags on a free port; sets $base to its address.
start() {
  local log="$work/fake-${#pids[@]}.log"
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

fetch() {
  "$venv/bin/python" -c 'import sys, urllib.request; urllib.request.urlretrieve(*sys.argv[1:])' "$@"
}

# Stable names for the package, and no formatter run after generating (ruff is not installed).
cat >"$work/config.yaml" <<'YAML'
project_name_override: enswitch-client
package_name_override: enswitch_client
post_hooks: []
YAML

for mode in ok mirror; do
  printf '\n-- openapi-python-client, the %s-mode document\n' "$mode"
  start --http-status "$mode"
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
