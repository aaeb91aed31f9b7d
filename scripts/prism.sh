#!/usr/bin/env bash
# Prism's validating proxy in front of the fake, as a team puts one (run by .ci/run): the fake in
# mirror mode, Prism proxying to it with the document of the vendor's paths
# (`/_fake/openapi.json?trailing_slash=1`), and every request of the conformance suite sent
# through it with `&` between parameters (scripts/prism-relay.py). Fails on any response
# violation Prism reports. Installs Prism from npm at the version scripts/npm-tools/package-lock.json
# pins. Every process it starts listens on 127.0.0.1 and is stopped on exit.
# Usage: scripts/prism.sh [PATH_TO_ENSWITCH_FAKE]   (default: target/debug/enswitch-fake)
set -euo pipefail
cd "$(dirname "$0")/.."
fake=$(realpath "${1:-target/debug/enswitch-fake}")
tools=$(bash scripts/npm-tools.sh)
"$tools/prism" --version

# shellcheck source=scripts/fake.sh
source scripts/fake.sh

start_fake --http-status mirror
fetch "$base/_fake/openapi.json?trailing_slash=1" "$work/openapi.json"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tools/prism" proxy "$work/openapi.json" "$base/api/json" \
  --host 127.0.0.1 --port "$port" >"$work/prism.log" 2>&1 &
started $!
for _ in $(seq 300); do
  grep -q "Prism is listening" "$work/prism.log" && break
  sleep 0.1
done
grep -q "Prism is listening" "$work/prism.log" || { tail -20 "$work/prism.log" >&2; exit 1; }

python3 scripts/prism-relay.py "http://127.0.0.1:$port" "$base" "$work/prism.log" -- \
  "$fake" check --target '{proxy}/api/json/' --update no
