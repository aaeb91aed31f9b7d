#!/usr/bin/env python3
"""Compares the markdown export with the vendor's facts, row for row, for every function they cover.

Usage: check-vendor-pages.py EXPORT.md DOCS_DIR

EXPORT.md is `enswitch-fake spec export --format markdown`; DOCS_DIR is ../shared/enswitch-docs/.

The two core functions have the vendor's whole pages as text. Those come in two layouts: cells
separated by " | ", or cells run together with no separator at all. Each of our rows is therefore
joined both ways, and the vendor's rows must equal ours, in order, in one of the two.

Every other function is checked against OTHER-FUNCTIONS.md, whose tables keep the vendor's names,
types, Required and Default cells, codes, code texts and examples verbatim (its Meaning column is
a paraphrase and is not compared). Where a page was cut, only the rows seen are compared, and every
row of ours past the cut must be marked inferred. A function the facts describe but the spec does
not serve is listed, not failed.

Exits 1 and prints every difference if any row is missing, extra, reordered or worded differently.
"""

import re
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


FACTS = "OTHER-FUNCTIONS.md"

# The table of a section to compare with, where the section has several: the user/login this
# project serves is the one without the two-step TOTP login.
SUBSECTION = {"user/login": "### 11b."}


def fact_sections(text):
    """OTHER-FUNCTIONS.md split into {path: [lines]} by its "## N. path" headings."""
    sections, path = {}, None
    for line in text.split("\n"):
        if line.startswith("## ") and ". " in line:
            words = line[3:].split(". ", 1)[1].split()
            path = words[0] if words and "/" in words[0] else None
            if path:
                sections[path] = []
        elif path:
            sections[path].append(line)
    return sections


def fact_tables(lines):
    """Every markdown table in `lines`, as its header cells and body rows of cells."""
    tables, current = [], None
    for line in lines + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if current is None:
                current = {"header": cells, "rows": []}
            elif not set(line.replace("|", "").strip()) <= {"-"}:
                current["rows"].append(cells)
        elif current is not None:
            tables.append(current)
            current = None
    return tables


def unquote(cell):
    """A fact cell without its backticks; `(blank)` is an empty cell."""
    cell = cell.strip()
    if cell == "(blank)":
        return ""
    if cell.startswith("`") and cell.endswith("`"):
        return cell[1:-1]
    return cell


def listed_codes(lines):
    """Codes given as a list ("* Codes: 200 `Success.`, 401 `...`") rather than a table."""
    for i, line in enumerate(lines):
        if line.startswith("* Codes:"):
            # The item goes on over the indented lines below it.
            for more in lines[i + 1:]:
                if not more.startswith("  "):
                    break
                line += " " + more.strip()
            return {"rows": [[code, f"`{text}`"] for code, text in re.findall(r"(\d{3}) `([^`]*)`", line)]}
    return {"rows": []}


def check_facts(path, sections, lines, problems):
    whole = lines
    if path in SUBSECTION:
        start = next(i for i, l in enumerate(lines) if l.startswith(SUBSECTION[path]))
        lines = lines[start:]
    tables = fact_tables(lines)
    params = next(t for t in tables if t["header"][:4] == ["Name", "Type", "Required", "Default"])
    codes = next((t for t in tables if t["header"][:2] == ["Code", "Vendor text"]), None)
    codes = codes or listed_codes(lines)
    cut = "[CUT" in "\n".join(lines[:3]) or any("cut" in r[1] for r in params["rows"])

    ours = [[c[0], c[1], c[3], c[4]] for c in table(sections["Input parameters"])]
    seen = [[unquote(c) for c in r[:4]] for r in params["rows"] if "cut" not in r[1]]
    for i, row in enumerate(seen):
        if i >= len(ours) or ours[i] != row:
            mine = " | ".join(ours[i]) if i < len(ours) else "nothing"
            problems.append(f"{path} parameter row {i + 1}:\n  vendor: {' | '.join(row)}\n  export: {mine}")
    if not cut and len(ours) != len(seen):
        problems.append(f"{path} parameters: {len(seen)} rows in the facts, {len(ours)} in the export")
    rules = table(sections.get("Validation rules (enswitch-fake)", []))
    for name in [r[0] for r in ours[len(seen):]]:
        defaults = [r for r in rules if r[0] == name and r[1].startswith("default:")]
        if cut and any(r[-1] == "documented" for r in defaults):
            problems.append(f"{path}: {name} is past the cut of the vendor's page, yet its default says documented")

    responses = table(sections["Responses"])
    vendor = {r[0]: unquote(r[1]) for r in codes["rows"] if r[1].startswith("`")}
    for code, text in vendor.items():
        mine = [r[1] for r in responses if r[0] == code]
        if mine != [text]:
            problems.append(f"{path} response {code}:\n  vendor: {text}\n  export: {mine}")
    for code, text in ((r[0], r[1]) for r in responses if r[0] not in vendor):
        if not text.endswith("*(inferred)*"):
            problems.append(f"{path} response {code} is not on the vendor's page, so it must say inferred")

    # Examples may sit in another part of the section (user/login's 11b shows 11a's).
    lines = whole
    examples = [t for t in sections if t.startswith("Example: ")]
    body = "\n".join(lines)
    for title in examples:
        for line in [l for l in sections[title] if l and not l.startswith("```") and not l.startswith(">")]:
            if line not in body:
                problems.append(f"{path}: example line {line!r} is not in the facts")
    urls = [l.strip() for l in lines if l.strip().startswith("http://enswitch.example.com/")]
    exported = "\n".join(l for t in examples for l in sections[t])
    for url in urls:
        if url not in exported:
            problems.append(f"{path}: the vendor's example {url} is not in the export")
    print(f"{path}: {len(seen)} parameters{' (page cut)' if cut else ''}, {len(vendor)} responses, "
          f"{len(urls)} example(s) checked against {FACTS}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    export = functions(Path(sys.argv[1]).read_text())
    docs = Path(sys.argv[2])
    problems = []
    for path, page in PAGES.items():
        check(path, export[path], docs / page, problems)
    for path, lines in fact_sections((docs / FACTS).read_text()).items():
        if path in PAGES:
            continue
        if path not in export:
            print(f"{path}: described in {FACTS}, not served")
            continue
        check_facts(path, export[path], lines, problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} difference(s) from the vendor's pages")
        sys.exit(1)
    print("the export matches the vendor's pages row for row")


if __name__ == "__main__":
    main()
