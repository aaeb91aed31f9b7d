#!/usr/bin/env python3
"""Measures enswitch-fake against a bare hyper baseline on this machine; run through bench/run.sh.

Throughput and latency: each server pinned to core 0, wrk pinned to core 1, one wrk thread, at
1, 16 and 64 connections, for each workload:
  a  cards/groups/update, valid (changes state), `;` separators
  b  cards/batches/create with validation=1
  c  a 400 (cards/batches/create without cardgroup)
  d  cards/groups/get
  e  cards/batches/create making 100 cards per call (reported as cards/s too)
The baseline answers a fixed envelope to every request: the same requests measure the stack alone.
"ratio" is a server's requests/s over the baseline's at the same point: in the same round for the
judged points (the median of the rounds' ratios), in the same run for the rest.

The fake runs twice per workload: as users run it (the request log on, `human`, written to a
file) and with `--log-format off`. Beside it, the fake's own server with a handler that answers
the baseline's fixed envelope (examples/server_only.rs): what the server costs, apart from the
workbench. httpmock's standalone server (a Rust mock that matches a path and returns a constant;
`HTTPMOCK`, installed by run.sh) answers workload a as a reference row. The judged points (a to
d at 16 and 64 connections) are measured in alternating rounds (see `throughput`).
The request log's cost has rows of its own too: workloads a and d at 16 connections with the log
off, `human` and `json` written to a file and to /dev/null, the configurations taking turns for
five rounds; each round's figure over the same round's log-off figure, and the median of those
ratios.

Also: time from process start to the first answered request (median of 5), RSS idle and after
workload e, one call creating 1,000,000 cards (time and RSS growth), workload a at 16 connections
with 10 cards in the store versus 1,000,000 (in rounds, the two servers taking turns), and the
whole conformance suite in-process (wall time).
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
FAKE = "target/release/enswitch-fake"
BASELINE = "target/release/examples/baseline"
AUTH = "auth_username=user;auth_password=password"
WORKLOADS = {
    "a": f"/api/json/cards/groups/update/?{AUTH};id=123;name=bench;clock=150",
    "b": f"/api/json/cards/batches/create/?{AUTH};cardgroup=123;batch_name=bench;number=1;validation=1",
    "c": f"/api/json/cards/batches/create/?{AUTH};batch_name=bench",
    "d": f"/api/json/cards/groups/get/?{AUTH};id=123",
    "e": f"/api/json/cards/batches/create/?{AUTH};cardgroup=123;batch_name=bench;number=100",
}
CONNECTIONS = [1, 16, 64]


def start(cmd, cpu=None):
    """Starts a server, waits for its `listening on http://ADDR` line, returns (process, base)."""
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu)] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.match(r"listening on (http://\S+)", line)
    if not match:
        proc.kill()
        sys.exit(f"{cmd}: no 'listening on' line, got {line!r}")
    return proc, match.group(1)


def stop(proc):
    proc.terminate()
    proc.wait(timeout=30)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def to_ms(text):
    value, unit = float(re.match(r"([\d.]+)", text).group(1)), re.sub(r"[\d.]", "", text)
    return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk(base, path, connections, seconds=SECONDS):
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", base + path],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors.group(0) if errors else ""}


def get(url, timeout=600):
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read())


HTTPMOCK = os.environ.get("HTTPMOCK", "target/bench-tools/bin/httpmock")
SERVER_ONLY = "target/release/examples/server_only"

#: The servers of the throughput table, each started afresh per workload and round.
SERVERS = ["baseline", "server-only", "fake", "fake-log-off"]
#: The points the budgets judge, measured in ROUNDS rounds; the rest once.
BUDGET_WORKLOADS, BUDGET_CONNECTIONS = "abcd", (16, 64)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ROUND_SECONDS = int(os.environ.get("BENCH_ROUND_SECONDS", "2"))


def start_server(name, log_dir):
    """Starts server `name` pinned to core 0; (process, base)."""
    if name == "baseline":
        return start([BASELINE, "127.0.0.1:0"], cpu=0)
    if name == "server-only":
        return start([SERVER_ONLY, "127.0.0.1:0"], cpu=0)
    if name == "fake-log-off":
        return start([FAKE, "serve", "--addr", "127.0.0.1:0", "--log-format", "off"], cpu=0)
    if name == "httpmock":
        return start_httpmock(log_dir)
    # As users run it: the request log on (the default, `human`), written to a file.
    return start_logged("human", os.path.join(log_dir, "requests.log"))


def start_httpmock(directory):
    """httpmock's standalone server answering workload a's path with the fake's envelope."""
    with open(os.path.join(directory, "update.yaml"), "w") as mock:
        mock.write("when:\n  method: GET\n  path: /api/json/cards/groups/update/\n"
                   "then:\n  status: 200\n  body: '{\"responses\":[{\"code\":\"204\",\"key\":\"\",\"message\":\"OK\"}]}'\n")
    port = free_port()
    proc = subprocess.Popen(["taskset", "-c", "0", HTTPMOCK, "--port", str(port), "--mock-files-dir", directory,
                             "--disable-access-log"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.01)
    proc.kill()
    sys.exit("httpmock did not start")


def throughput():
    """The throughput table. This machine's throughput drifts between minutes by more than the
    gaps measured (a baseline 20 % lower in one run than the next), so the budget points are
    measured in rounds: within a round the servers take turns on the same workload, each figure
    is divided by the same round's baseline, and the table shows the median of the rounds'
    ratios (and of their requests/s and latencies). One connection and workload e are not
    judged, and are measured once. Returns {(server, workload, connections): point}, where a
    point holds the medians and, under "ratio" and "p99_ratio", the medians of the ratios."""
    samples = {}
    servers = SERVERS + (["httpmock"] if os.path.exists(HTTPMOCK) else [])
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(ROUNDS):
            for workload, path in WORKLOADS.items():
                judged = workload in BUDGET_WORKLOADS
                points = [c for c in CONNECTIONS if round_number == 0 or (judged and c in BUDGET_CONNECTIONS)]
                if not points:
                    continue
                for name in servers:
                    if name == "httpmock" and workload != "a":
                        continue
                    # A fresh server per workload, so e's cards do not slow the others.
                    proc, base = start_server(name, tmp)
                    for c in points:
                        seconds = ROUND_SECONDS if judged and c in BUDGET_CONNECTIONS else min(SECONDS, 3)
                        samples.setdefault((name, workload, c), []).append(wrk(base, path, c, seconds))
                    if name == "fake-log-off" and workload == "e":
                        samples["rss_after_e"] = rss_mb(proc.pid)
                    stop(proc)
    results = {"rss_after_e": samples.pop("rss_after_e")}
    for key, runs in samples.items():
        baseline = samples[("baseline",) + key[1:]]
        pairs = list(zip(runs, baseline))
        results[key] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "ratio": statistics.median(r["rps"] / b["rps"] for r, b in pairs),
            "p99_ratio": statistics.median(r["p99"] / max(b["p99"], 1e-9) for r, b in pairs),
        }
    return results


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_logged(log_format, sink):
    """Starts the fake pinned to core 0 with its stdout (banner and request log) going to `sink`,
    a path; returns (process, base) once it answers."""
    port = free_port()
    with open(sink, "w") as out:
        proc = subprocess.Popen(["taskset", "-c", "0", FAKE, "serve", "--addr", f"127.0.0.1:{port}",
                                 "--log-format", log_format], stdout=out, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(500):
        try:
            get(base + "/_fake/health", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.01)
    proc.kill()
    sys.exit(f"the fake with --log-format {log_format} did not answer")


LOG_ROUNDS = 5
LOG_SECONDS = 3


def log_cost():
    """Workloads a and d at 16 connections with the request log off, and on into a file and into
    /dev/null. The configurations take turns, round after round, and each round's figure is
    divided by the same round's log-off figure: this machine's throughput drifts by more than the
    log costs, and a ratio within one round cancels the drift. Returns, per configuration and
    workload, the median requests/s and the median of the per-round ratios."""
    configurations = [("off", "/dev/null")]
    with tempfile.TemporaryDirectory() as tmp:
        for log_format in ("human", "json"):
            configurations += [(log_format, os.path.join(tmp, f"{log_format}.log")), (log_format, "/dev/null")]
        rps, ratios = {}, {}
        for _ in range(LOG_ROUNDS):
            this_round = {}
            for log_format, sink in configurations:
                key = (log_format, "file" if sink != "/dev/null" else "/dev/null")
                proc, base = start_logged(log_format, sink)
                for workload in "ad":
                    this_round[key + (workload,)] = wrk(base, WORKLOADS[workload], 16, LOG_SECONDS)["rps"]
                stop(proc)
                if sink != "/dev/null":
                    os.remove(sink)
            for key, value in this_round.items():
                rps.setdefault(key, []).append(value)
                ratios.setdefault(key, []).append(value / this_round[("off", "/dev/null", key[2])])
    return {key: (statistics.median(rps[key]), statistics.median(ratios[key])) for key in rps}


def start_to_first_answer():
    times = []
    for _ in range(5):
        began = time.perf_counter()
        proc = subprocess.Popen([FAKE, "serve", "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        base = proc.stdout.readline().split()[-1]
        while True:
            try:
                get(base + "/_fake/health", timeout=1)
                break
            except OSError:
                time.sleep(0.001)
        times.append((time.perf_counter() - began) * 1000)
        idle = rss_mb(proc.pid)
        stop(proc)
    return statistics.median(times), idle


def million_cards():
    """One call making 1,000,000 cards: its time and the growth of resident memory. Then workload
    a at 16 connections on that server against one holding 10 cards, both running, taking turns
    for ROUNDS rounds as the judged points do (a back-to-back pair measured the machine's drift
    more than the store: one run read 1.20). Returns the seconds, the growth in MB, the medians
    of both servers' requests/s, and the median of the rounds' ratios."""
    small, small_base = start([FAKE, "serve", "--addr", "127.0.0.1:0", "--max-cards", "1000000"], cpu=0)
    get(small_base + WORKLOADS["e"].replace("number=100", "number=10"))
    proc, base = start([FAKE, "serve", "--addr", "127.0.0.1:0", "--max-cards", "1000000"], cpu=0)
    before = rss_mb(proc.pid)
    began = time.perf_counter()
    answer = get(base + f"/api/json/cards/batches/create/?{AUTH};cardgroup=123;batch_name=million;batch_number=10;number=100000")
    seconds = time.perf_counter() - began
    assert answer["responses"][0]["code"] == "200", answer
    growth = rss_mb(proc.pid) - before
    with_10, with_million, ratios = [], [], []
    for _ in range(ROUNDS):
        small_rps = wrk(small_base, WORKLOADS["a"], 16, ROUND_SECONDS)["rps"]
        big_rps = wrk(base, WORKLOADS["a"], 16, ROUND_SECONDS)["rps"]
        with_10.append(small_rps)
        with_million.append(big_rps)
        ratios.append(big_rps / small_rps)
    stop(proc)
    stop(small)
    return (seconds, growth, statistics.median(with_10), statistics.median(with_million),
            statistics.median(ratios))


def durable():
    """With --state: workloads a to d at 16 connections against the same without it, taking
    turns for ROUNDS rounds as the throughput table's judged points do (each ratio within its
    round, a fresh state file each round; the medians); /_fake/health's p99 while another
    namespace creates 100,000-card batches; and a restart of a state file of 1,000,000 cards: its
    time and resident memory."""
    out = {}
    directory = tempfile.mkdtemp(prefix="bench-state-")
    state = os.path.join(directory, "state.db")
    samples = {}
    for _ in range(ROUNDS):
        for workload in "abcd":
            for label, extra in [("memory", []), ("state", ["--state", state])]:
                proc, base = start([FAKE, "serve", "--addr", "127.0.0.1:0"] + extra, cpu=0)
                samples.setdefault((label, workload), []).append(wrk(base, WORKLOADS[workload], 16, ROUND_SECONDS))
                stop(proc)
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))
    for (label, workload), runs in samples.items():
        memory = samples[("memory", workload)]
        out[(label, workload)] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "ratio": statistics.median(r["rps"] / m["rps"] for r, m in zip(runs, memory)),
        }

    proc, base = start([FAKE, "serve", "--addr", "127.0.0.1:0", "--state", state], cpu=0)
    busy = threading.Event()
    batches = []

    def create_batches():
        path = f"/_ns/busy/api/json/cards/batches/create/?{AUTH};cardgroup=123;batch_name=big;number=100000"
        while not busy.is_set():
            began = time.perf_counter()
            answer = get(base + path)
            assert answer["responses"][0]["code"] == "200", answer
            batches.append(time.perf_counter() - began)

    worker = threading.Thread(target=create_batches)
    worker.start()
    time.sleep(1)
    out["health_busy"] = wrk(base, "/_fake/health", 4)
    busy.set()
    worker.join()
    out["busy_batches"] = len(batches)
    stop(proc)
    for name in os.listdir(directory):
        os.remove(os.path.join(directory, name))

    proc, base = start([FAKE, "serve", "--addr", "127.0.0.1:0", "--state", state, "--max-cards", "1000000"], cpu=0)
    get(base + f"/api/json/cards/batches/create/?{AUTH};cardgroup=123;batch_name=million;batch_number=10;number=100000")
    out["rss_before_restart"] = rss_mb(proc.pid)
    stop(proc)
    began = time.perf_counter()
    proc, base = start([FAKE, "serve", "--addr", "127.0.0.1:0", "--state", state], cpu=0)
    get(base + "/_fake/health")
    out["restart_s"] = time.perf_counter() - began
    out["rss_after_restart"] = rss_mb(proc.pid)
    out["state_mb"] = sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory)) / 1e6
    stop(proc)
    shutil.rmtree(directory)
    return out


def conformance_suite():
    times = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run([FAKE, "check", "--in-process", "--update", "no"], capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main():
    print(f"enswitch-fake benchmark, {SECONDS} s per point, {os.cpu_count()} cores\n", flush=True)
    results = throughput()
    start_ms, idle_mb = start_to_first_answer()
    million_s, million_mb, rps_10, rps_million, million_ratio = million_cards()
    suite_s = conformance_suite()
    kept = durable()
    logged = log_cost()

    verdicts = []
    print(f"Judged points (a to d at 16 and 64 connections): the median of {ROUNDS} rounds of "
          f"{ROUND_SECONDS} s, each ratio taken within its round; the rest: one run.\n")
    print("| workload | conns | server | req/s | ratio | p50 / p99 ms | p99 ratio |")
    print("|---|---|---|---|---|---|---|")
    labels = {"baseline": "bare hyper", "server-only": "fake's server, fixed answer",
              "fake": "fake, log to a file", "fake-log-off": "fake, log off", "httpmock": "httpmock 0.9"}
    for workload in WORKLOADS:
        for c in CONNECTIONS:
            for name in SERVERS + ["httpmock"]:
                f = results.get((name, workload, c))
                if f is None:
                    continue
                ratio, p99_ratio = f["ratio"], f["p99_ratio"]
                extra = f" ({f['rps'] * 100:,.0f} cards/s)" if workload == "e" and name.startswith("fake") else ""
                print(f"| {workload} | {c} | {labels[name]} | {f['rps']:,.0f}{extra} | {ratio:.2f} | "
                      f"{f['p50']:.3f} / {f['p99']:.3f} | {p99_ratio:.2f} |")
                # Issue 29's target: the fake with the log off at 16 connections, a to d; the
                # log's own cost is judged below, by its paired rounds.
                if name == "fake-log-off" and workload in BUDGET_WORKLOADS and c == 16:
                    verdicts.append((f"{labels[name]}: {workload} at {c} connections ≥ 0.8 × baseline req/s",
                                     ratio >= 0.8, f"{ratio:.2f}"))
                    verdicts.append((f"{labels[name]}: {workload} at {c} connections p99 ≤ 2 × baseline",
                                     p99_ratio <= 2, f"{p99_ratio:.2f}"))
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| start to first answer (median of 5) | {start_ms:.1f} ms |")
    print(f"| RSS idle | {idle_mb:.1f} MB |")
    print(f"| RSS after workload e | {results['rss_after_e']:.1f} MB |")
    print(f"| 1,000,000 cards in one call | {million_s:.2f} s, RSS +{million_mb:.0f} MB |")
    print(f"| workload a, 16 conns, 10 cards vs 1,000,000 in store ({ROUNDS} rounds) | {rps_10:,.0f} vs {rps_million:,.0f} req/s "
          f"(ratio {million_ratio:.2f}, the median of the rounds' ratios) |")
    print(f"| conformance suite in-process (median of 3) | {suite_s:.2f} s |")
    for workload in "abcd":
        m, s = kept[("memory", workload)], kept[("state", workload)]
        print(f"| workload {workload}, 16 conns, --state vs in memory ({ROUNDS} rounds) | {s['rps']:,.0f} vs "
              f"{m['rps']:,.0f} req/s (ratio {s['ratio']:.2f}, the median of the rounds' ratios); "
              f"p99 {s['p99']:.3f} vs {m['p99']:.3f} ms |")
    health = kept["health_busy"]
    print(f"| /_fake/health, 4 conns, while another namespace creates 100,000-card batches (--state) | "
          f"p99 {health['p99']:.2f} ms, {health['rps']:,.0f} req/s; {kept['busy_batches']} batches meanwhile |")
    print(f"| --state restart with 1,000,000 cards | {kept['restart_s']:.2f} s to the first answer; RSS "
          f"{kept['rss_after_restart']:.0f} MB after vs {kept['rss_before_restart']:.0f} MB before "
          f"({kept['rss_after_restart'] / kept['rss_before_restart']:.2f}); file {kept['state_mb']:.0f} MB |")
    for workload in "ad":
        off, _ = logged[("off", "/dev/null", workload)]
        for log_format in ("human", "json"):
            for sink in ("file", "/dev/null"):
                on, ratio = logged[(log_format, sink, workload)]
                print(f"| workload {workload}, 16 conns, log {log_format} to {sink} vs off ({LOG_ROUNDS} rounds) | "
                      f"{on:,.0f} vs {off:,.0f} req/s (ratio {ratio:.2f}, the median of the rounds' ratios) |")
                if sink == "file":
                    verdicts.append((f"log {log_format} to a file: workload {workload} ≥ 0.95 × log off",
                                     ratio >= 0.95, f"{ratio:.2f}"))
    verdicts += [
        ("start to first answer ≤ 30 ms", start_ms <= 30, f"{start_ms:.1f} ms"),
        ("idle RSS ≤ 12 MB", idle_mb <= 12, f"{idle_mb:.1f} MB"),
        ("1,000,000 cards ≤ 1.5 s", million_s <= 1.5, f"{million_s:.2f} s"),
        ("1,000,000 cards: RSS growth ≤ 300 MB", million_mb <= 300, f"{million_mb:.0f} MB"),
        ("workload a with 1,000,000 cards within 10% of 10", abs(million_ratio - 1) <= 0.1,
         f"{million_ratio:.2f}"),
        ("conformance suite in-process ≤ 2 s", suite_s <= 2, f"{suite_s:.2f} s"),
    ]
    state_ratio = {w: kept[("state", w)]["ratio"] for w in "abcd"}
    rss_ratio = kept["rss_after_restart"] / kept["rss_before_restart"]
    verdicts += [
        ("--state: workload a ≥ 0.5 × in memory", state_ratio["a"] >= 0.5, f"{state_ratio['a']:.2f}"),
    ] + [
        (f"--state: workload {w} ≥ 0.95 × in memory", state_ratio[w] >= 0.95, f"{state_ratio[w]:.2f}")
        for w in "bcd"
    ] + [
        ("--state: health p99 < 10 ms beside 100,000-card batches", health["p99"] < 10, f"{health['p99']:.2f} ms"),
        ("--state: restart with 1,000,000 cards ≤ 2 s", kept["restart_s"] <= 2, f"{kept['restart_s']:.2f} s"),
        ("--state: RSS after restart ≤ 1.3 × before", rss_ratio <= 1.3, f"{rss_ratio:.2f}"),
    ]
    print()
    print("| budget | met | measured |")
    print("|---|---|---|")
    for name, met, value in verdicts:
        print(f"| {name} | {'yes' if met else '**no**'} | {value} |")


if __name__ == "__main__":
    # No options: the settings are BENCH_SECONDS and BENCH_ROUNDS. `--help` prints what the
    # figures are; any other argument is refused (exit 2) rather than ignored by a 12-minute run.
    argparse.ArgumentParser(
        prog="bench/run.sh", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    main()
