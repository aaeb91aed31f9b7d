#!/usr/bin/env bash
# The benchmark harness: builds in release, then measures the bare hyper baseline, the fake's
# server with a fixed answer, the fake (log to a file, and log off) and httpmock, taking turns in
# rounds, each pinned to core 0 with the load generator (wrk) pinned to core 1, and prints the
# tables and the budgets (see bench/bench.py for what each figure means). Installs wrk (Debian)
# and httpmock 0.9.0 (crates.io, into target/bench-tools) if missing.
#
#   bench/run.sh                      # about 12 minutes (and a few more the first time, for httpmock)
#   BENCH_ROUNDS=9 bench/run.sh       # more rounds for the judged points (5 of 2 s by default)
#   BENCH_SECONDS=10 bench/run.sh     # longer runs for the other points
set -euo pipefail
cd "$(dirname "$0")/.."
# It takes no arguments: bench.py prints its help for --help and refuses anything else, before
# anything is installed or built.
[ $# -eq 0 ] || exec python3 bench/bench.py "$@"

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from the system's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; else sudo apt-get update -qq && sudo apt-get install -y -qq wrk; fi
fi
command -v taskset >/dev/null 2>&1 || { echo "taskset (util-linux) is needed" >&2; exit 2; }

if [ ! -x target/bench-tools/bin/httpmock ]; then
  echo "installing httpmock 0.9.0 (the reference mock) into target/bench-tools" >&2
  cargo install --quiet --locked httpmock --version 0.9.0 --features standalone --root target/bench-tools
fi

# The fake on its own, as `cargo run --release` and `cargo install` build it (built together with
# the examples, its dependencies would take the dev-dependencies' features).
cargo build --release --locked --quiet --bin enswitch-fake
cargo build --release --locked --quiet --example baseline --example server_only
exec python3 bench/bench.py
