#!/usr/bin/env python3
"""The hot path's instruction budget: instructions per call of `Workbench::serve` for an update,
a `validation=1` create, a 400 and a get, counted by callgrind, against the counts committed in
bench/instructions.json. Exits 1 when a workload costs more than 10 % over its committed count:
no change makes the request path slower unnoticed. callgrind counts instructions, not time, so
the figures repeat exactly for the same binary whatever else the machine does.

    cargo build --release --locked --example handle_loop
    python3 bench/instructions.py            # check (CI runs this)
    python3 bench/instructions.py --update   # write today's counts as the new baseline

Each count is the difference between 3,000 and 1,000 calls of `handle_loop W`, halved: the
start-up (loading the spec and the seed) drops out. Needs valgrind (Debian's `valgrind`).
"""

import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE = os.path.join(HERE, "instructions.json")
LOOP = os.path.join(HERE, "..", "target", "release", "examples", "handle_loop")
WORKLOADS = {
    "a": "an update",
    "b": "a validation=1 create",
    "c": "a 400",
    "d": "a get",
}
TOLERANCE = 0.10


def instructions(workload, calls):
    """Every instruction of `handle_loop WORKLOAD CALLS`, as callgrind counts them."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", LOOP, workload, str(calls)],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Collected : ([\d,]+)", run.stderr)
    if not match:
        raise SystemExit(f"bench/instructions.py: callgrind said no count:\n{run.stderr}")
    return int(match.group(1).replace(",", ""))


def per_call(workload):
    return (instructions(workload, 3000) - instructions(workload, 1000)) // 2000


def main():
    update = sys.argv[1:] == ["--update"]
    if sys.argv[1:] and not update:
        print("bench/instructions.py: the one option is --update", file=sys.stderr)
        return 2
    if not os.path.exists(LOOP):
        print(f"bench/instructions.py: no {LOOP}; build it first: "
              "cargo build --release --locked --example handle_loop", file=sys.stderr)
        return 2
    counts = {w: per_call(w) for w in WORKLOADS}
    if update:
        with open(BASELINE, "w") as out:
            json.dump(counts, out, indent=2)
            out.write("\n")
        print(f"wrote {BASELINE}: {counts}")
        return 0
    with open(BASELINE) as baseline:
        committed = json.load(baseline)
    over = []
    print(f"{'workload':<24} {'committed':>10} {'now':>10} {'change':>8}")
    for workload, what in WORKLOADS.items():
        was, now = committed[workload], counts[workload]
        change = (now - was) / was
        print(f"{workload + ' ' + what:<24} {was:>10,} {now:>10,} {change:>+8.1%}")
        if change > TOLERANCE:
            over.append(f"{workload} ({what}): {now:,} instructions a call, {change:+.1%} over {was:,}")
    if over:
        print("\nover the budget of +10 %: " + "; ".join(over), file=sys.stderr)
        print("make the path cheaper again, or, if the cost is wanted, say why in "
              "docs/benchmark.md and run bench/instructions.py --update", file=sys.stderr)
        return 1
    print("within the budget (+10 % over the committed counts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
