#!/usr/bin/env python3
"""Compares the markdown export of the two core functions with the vendor's own pages, row for row.

Usage: check-vendor-pages.py EXPORT.md DOCS_DIR

EXPORT.md is `enswitch-fake spec export --format markdown`; DOCS_DIR holds the vendor's pages as
text (../shared/enswitch-docs/). The two pages come in two layouts: cells separated by " | ", or
cells run together with no separator at all. Each of our rows is therefore joined both ways, and
the vendor's rows must equal ours, in order, in one of the two. Exits 1 and prints every difference
if any row is missing, extra, reordered or worded differently.
"""

import sys
from pathlib import Path

PAGES = {
    "cards/batches/create": "cards-batches-create.txt",
    "cards/groups/update": "cards-groups-update.txt",
}


def functions(markdown):
    """Splits the export into {path: {section title: [lines]}}."""
    result = {}
    for page in markdown.split("\n---\n"):
        lines = page.strip("\n").split("\n")
        path = lines[0].rsplit(" » ", 1)[1]
        sections, title = {"": []}, ""
        for line in lines[1:]:
            if line.startswith("## "):
                title = line[3:]
                sections[title] = []
            else:
                sections[title].append(line)
        result[path] = sections
    return result


def table(lines):
    """The body rows of the first markdown table in `lines`, as lists of cells."""
    rows = [l for l in lines if l.startswith("| ")][1:]
    return [[c.strip().replace("\\|", "|") for c in r.strip("|").split(" | ")] for r in rows]


def joined(cells):
    """Our row in the vendor's two layouts: "a | b | |" (an empty cell is a lone "|"), and "ab"."""
    piped = " ".join(f"{c} |" if c else "|" for c in cells)
    return {piped, "".join(cells)}


def normal(text):
    """The vendor's HTML puts a no-break space in "Current value."; the words are the same."""
    return text.replace("\u00a0", " ")


def vendor_rows(text, header_start, stop):
    """The vendor's rows after the header line starting with `header_start`, up to `stop`."""
    lines = [l.strip() for l in normal(text).split("\n")]
    start = next(i for i, l in enumerate(lines) if l.startswith(header_start))
    rows = []
    for line in lines[start + 1:]:
        if line.startswith(stop):
            break
        if line and not line.startswith("---"):
            rows.append(line)
    return rows


def compare(what, ours, theirs, problems):
    if len(ours) != len(theirs):
        problems.append(f"{what}: {len(theirs)} rows on the vendor's page, {len(ours)} in the export")
    for i, (cells, row) in enumerate(zip(ours, theirs)):
        if row not in joined(cells):
            problems.append(f"{what} row {i + 1}:\n  vendor: {row}\n  export: {' | '.join(cells)}")


def check(path, sections, page, problems):
    text = normal(page.read_text())
    first = next(l for l in sections[""] if l.strip())
    for sentence in (first, sections["Input parameters"][1]):
        if sentence not in text:
            problems.append(f"{path}: the vendor's page lacks the sentence {sentence!r}")

    params = table(sections["Input parameters"])
    # The vendor leaves the default cell empty where there is none, as the export does.
    compare(f"{path} parameters", params, vendor_rows(text, "Name", "Responses"), problems)
    responses = table(sections["Responses"])
    compare(f"{path} responses", responses, vendor_rows(text, "Code", "Data returned"), problems)
    history = table(sections["Change history"])
    compare(f"{path} history", history, vendor_rows(text, "Version", "\x00"), problems)

    data = next(l for l in sections["Data returned"] if l.strip())
    if data not in text:
        problems.append(f"{path}: data returned {data!r} is not on the vendor's page")
    examples = [t for t in sections if t.startswith("Example: ")]
    for title in examples:
        body = [l for l in sections[title] if l and not l.startswith("```") and not l.startswith(">")]
        for line in [title] + body:
            if line not in text:
                problems.append(f"{path}: example line {line!r} is not on the vendor's page")
    print(f"{path}: {len(params)} parameters, {len(responses)} responses, {len(history)} history rows, "
          f"{len(examples)} example(s) checked")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export = functions(Path(sys.argv[1]).read_text())
    docs = Path(sys.argv[2])
    problems = []
    for path, page in PAGES.items():
        check(path, export[path], docs / page, problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} difference(s) from the vendor's pages")
        sys.exit(1)
    print("the export matches the vendor's pages row for row")


if __name__ == "__main__":
    main()
