#!/usr/bin/env python3
"""Two builds of the fake against each other, in paired rounds: what one change earns.

    python3 bench/ab.py OLD_BINARY NEW_BINARY [--workloads ad] [--rounds 6] [--seconds 3]
                        [--log off|human|json] [--connections 16]

Each round, for each workload, both binaries serve in turn (the order swapped every round), each
pinned to core 0 with wrk (one thread) on core 1, each started afresh. The machine's throughput
drifts between minutes by more than most changes earn, so only a ratio taken within one round
means anything: the table shows, per workload, the median of NEW/OLD over the rounds and in how
many rounds NEW was ahead. Then the idle resident memory of each, the median of five starts.

Build the two binaries first, for example with `git worktree add` at the two commits and
`cargo build --release --locked --bin enswitch-fake` in each. Traffic goes to 127.0.0.1 only.
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("bench", os.path.join(HERE, "bench.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def serve(binary, log, directory):
    """Starts `binary` on core 0 with the request log `log` (off, or that format written to a file
    in `directory`); returns (process, base URL) once it answers."""
    port = bench.free_port()
    sink = os.devnull if log == "off" else os.path.join(directory, "requests.log")
    with open(sink, "w") as out:
        proc = subprocess.Popen(["taskset", "-c", "0", binary, "serve", "--addr", f"127.0.0.1:{port}",
                                 "--log-format", log], stdout=out, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            bench.get(base + "/_fake/health", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.01)
    proc.kill()
    sys.exit(f"{binary} did not answer")


def idle_mb(binary):
    """Resident memory a second after the first answer, the median of five starts."""
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(5):
            proc, _ = serve(binary, "off", tmp)
            time.sleep(1)
            figures.append(bench.rss_mb(proc.pid))
            bench.stop(proc)
    return statistics.median(figures)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--workloads", default="ad")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--log", choices=["off", "human", "json"], default="off")
    args = parser.parse_args()
    for binary in (args.old, args.new):
        if not os.access(binary, os.X_OK):
            parser.error(f"{binary}: not an executable file")
    unknown = set(args.workloads) - set(bench.WORKLOADS)
    if unknown:
        parser.error(f"--workloads: no workload {''.join(sorted(unknown))} (there are {''.join(bench.WORKLOADS)})")

    rps = {(which, w): [] for which in ("old", "new") for w in args.workloads}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            order = [("old", args.old), ("new", args.new)]
            if round_ % 2:
                order.reverse()
            for w in args.workloads:
                for which, binary in order:
                    proc, base = serve(binary, args.log, tmp)
                    rps[(which, w)].append(
                        bench.wrk(base, bench.WORKLOADS[w], args.connections, args.seconds)["rps"])
                    bench.stop(proc)
            print(f"round {round_ + 1}: " + ", ".join(
                f"{w} {rps[('old', w)][-1]:,.0f} → {rps[('new', w)][-1]:,.0f}" for w in args.workloads),
                file=sys.stderr, flush=True)

    print(f"{args.rounds} paired rounds of {args.seconds} s, {args.connections} connections, log {args.log}{'' if args.log == 'off' else ' to a file'}\n")
    print("| workload | old req/s (median) | new req/s (median) | new/old (median of rounds) | new ahead |")
    print("|---|---|---|---|---|")
    for w in args.workloads:
        old, new = rps[("old", w)], rps[("new", w)]
        ratios = [n / o for o, n in zip(old, new)]
        ahead = sum(n > o for o, n in zip(old, new))
        print(f"| {w} | {statistics.median(old):,.0f} | {statistics.median(new):,.0f} | "
              f"{statistics.median(ratios):.3f} | {ahead} of {len(ratios)} |")
    print(f"\nidle RSS (median of 5 starts): old {idle_mb(args.old):.1f} MB, new {idle_mb(args.new):.1f} MB")


if __name__ == "__main__":
    main()
