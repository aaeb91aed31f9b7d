#!/usr/bin/env bash
# Installs the OpenAPI tools from npm that CI runs (Prism, Spectral, Redocly) into target/npm-tools,
# at the versions scripts/npm-tools/package-lock.json pins, once; prints the folder of their
# commands. Used by scripts/prism.sh and scripts/openapi-lint.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/npm-tools
if ! cmp -s scripts/npm-tools/package-lock.json "$dir/package-lock.json" \
  || [ ! -x "$dir/node_modules/.bin/prism" ]; then
  mkdir -p "$dir"
  cp scripts/npm-tools/package.json scripts/npm-tools/package-lock.json "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$PWD/$dir/node_modules/.bin"
