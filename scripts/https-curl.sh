#!/usr/bin/env bash
# HTTPS as the README shows it, with curl: `serve --tls` writes its CA's certificate, curl given
# it gets the envelope, and curl without it refuses the server (exit 60, an unknown issuer).
# Usage: scripts/https-curl.sh BINARY
set -euo pipefail
binary=${1:?usage: scripts/https-curl.sh BINARY}
dir=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
mkfifo "$dir/out"
"$binary" serve --tls --tls-ca-file "$dir/ca.pem" --addr 127.0.0.1:0 --log-format off >"$dir/out" &
pid=$!
exec 3<"$dir/out"
read -r first <&3
base=${first#listening on }
case $base in https://127.0.0.1:*) ;; *) echo "the first line is: $first" >&2; exit 1 ;; esac
port=${base##*:}
cat <&3 >/dev/null &
url="https://localhost:$port/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123"
answer=$(curl -sS --cacert "$dir/ca.pem" "$url")
case $answer in *'"code":"200"'*'"id":123'*) echo "with --cacert: $answer" | cut -c1-120 ;; *) echo "unexpected: $answer" >&2; exit 1 ;; esac
set +e
curl -sS "$url" >/dev/null 2>"$dir/refused"
code=$?
set -e
if [ "$code" -ne 60 ]; then
  echo "curl without the CA exited $code, not 60 (certificate not verified):" >&2
  cat "$dir/refused" >&2
  exit 1
fi
echo "without --cacert: curl exit 60, $(head -1 "$dir/refused")"
