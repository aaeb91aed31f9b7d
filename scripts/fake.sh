# Sourced by the scripts that run the fake beside an outside tool (openapi-tools.sh,
# generated-client.sh, prism.sh): a scratch folder `$work`, `start_fake FLAGS...`, which starts
# `$fake` on a free port of 127.0.0.1 and sets `$base` to its address, and `started PID`, which
# has another process stopped with the fakes. On exit every process started is stopped and
# `$work` removed. Needs `$fake`, the binary.

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

started() {
  pids+=("$1")
}

start_fake() {
  local log="$work/fake-${#pids[@]}.log"
  # Made before the fake starts, so that reading it cannot race the shell's redirection.
  : >"$log"
  "$fake" serve --addr 127.0.0.1:0 "$@" >"$log" 2>&1 &
  started $!
  for _ in $(seq 100); do
    base=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$log")
    [ -n "$base" ] && return 0
    sleep 0.1
  done
  echo "the fake did not start:" >&2
  cat "$log" >&2
  return 1
}

# Saves the answer to a GET of URL in FILE (python3's, as curl may not be installed yet).
fetch() {
  python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(*sys.argv[1:])' "$1" "$2"
}
