#!/usr/bin/env python3
"""The spread of several runs of bench/run.sh: for each budget, how many runs met it and the
figure each run measured, so that one run's table can be read against its neighbours.

    bench/run.sh > run1.txt; bench/run.sh > run2.txt; bench/run.sh > run3.txt
    python3 bench/spread.py run1.txt run2.txt run3.txt

Prints a Markdown table. Exits 2 (naming the file) if a file holds no budget table, and 1 if
some budget was met in fewer than two of the runs given (the issue's bar: two runs out of three).
"""

import re
import sys

BUDGET_ROW = re.compile(r"^\| (?P<name>[^|]+?) \| (?P<met>yes|\*\*no\*\*) \| (?P<value>[^|]+?) \|$")


def budgets(path):
    """Budget name -> (met, measured) for one run's output, in the order printed."""
    found = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = BUDGET_ROW.match(line.rstrip("\n"))
            if row and row["name"] != "budget":
                found[row["name"]] = (row["met"] == "yes", row["value"])
    return found


def main(paths):
    if len(paths) < 2:
        print("usage: bench/spread.py RUN1.txt RUN2.txt [RUN3.txt ...]", file=sys.stderr)
        return 2
    runs = []
    for path in paths:
        try:
            run = budgets(path)
        except OSError as error:
            print(f"{path}: {error.strerror}", file=sys.stderr)
            return 2
        if not run:
            print(f"{path}: no budget table (is it the output of bench/run.sh?)", file=sys.stderr)
            return 2
        runs.append(run)
    names = list(runs[0])
    for run in runs[1:]:
        names += [name for name in run if name not in names]
    enough = 2 if len(runs) >= 3 else len(runs)
    header = " | ".join(f"run {i + 1}" for i in range(len(runs)))
    print(f"| budget | met in | {header} |")
    print("|---|---|" + "---|" * len(runs))
    short = 0
    for name in names:
        cells = [run.get(name) for run in runs]
        met = sum(1 for cell in cells if cell and cell[0])
        short += met < enough
        shown = " | ".join(
            "—" if cell is None else (cell[1] if cell[0] else f"**{cell[1]}**") for cell in cells
        )
        print(f"| {name} | {met} of {len(runs)} | {shown} |")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
