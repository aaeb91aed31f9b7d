#!/usr/bin/env bash
# The OpenAPI documents through the linters teams run (run by .ci/run): Spectral with its OpenAPI
# ruleset (spectral:oas) and Redocly with its recommended rules, on the API's document in both
# modes and the control plane's. Any error fails; warnings are printed and allowed. The
# trailing-slash variant is left out: trailing slashes are what both linters flag, and why it is
# not the default. Installs the linters from npm (scripts/npm-tools.sh).
# Usage: scripts/openapi-lint.sh [PATH_TO_ENSWITCH_FAKE]   (default: target/debug/enswitch-fake)
set -euo pipefail
cd "$(dirname "$0")/.."
fake=${1:-target/debug/enswitch-fake}
tools=$(bash scripts/npm-tools.sh)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fake" spec export --format openapi --output "$work/openapi.json"
"$fake" spec export --format openapi --http-status mirror --output "$work/openapi-mirror.json"
"$fake" spec export --format control-openapi --output "$work/control-openapi.json"
echo 'extends: ["spectral:oas"]' >"$work/.spectral.yaml"

for document in openapi openapi-mirror control-openapi; do
  printf '\n-- %s.json: Spectral (spectral:oas), Redocly (recommended)\n' "$document"
  "$tools/spectral" lint "$work/$document.json" --ruleset "$work/.spectral.yaml" \
    --fail-severity error --display-only-failures
  "$tools/redocly" lint "$work/$document.json" --extends recommended --format stylish 2>&1 \
    | grep -v -e "Node.js 20" -e "Future Redocly" -e "nodejs.org" -e "You are using Node" \
      -e "^ *║ *║$" -e "^ *[╔╚]" || true
  "$tools/redocly" lint "$work/$document.json" --extends recommended >/dev/null 2>&1
done
