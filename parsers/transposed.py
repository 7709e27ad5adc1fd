"""A CE Matrix drawn on its side: the indicators across the top, a row per level and one of evidence.

Some agencies lay the matrix out landscape, one column per indicator::

    Level of risk      | 1) Family and peer … | 2) Accommodation | …
    No risk identified | ☐                    | ☐                | …
    Low                | ☒                    | ☐                | …
    …
    Evidence           | Seen with …          | Lives with …     | …

Others put two indicators in a row, the left and the right half of a wide table each "title | level … |
evidence"::

    Risk indicator | Level of risk | Evidence | Risk indicator | Level of risk | Evidence
    3. Education   | Moderate      | Fell …   | 4. Emotional … | Significant   | Flat …

Or draw each indicator as a card of its labels over its values ("Level of risk | Evidence" over "Moderate |
Seen …"), read as the label | value rows the template has.

Such tables are turned back into the grid the readers know (a row per indicator, a column per level and one
for evidence) before anything reads the document, so detection, levels, evidence and completeness treat them
as any other grid (cards, once the document is recognised as a CE Matrix, before it is read). Nothing else in
the document moves.
"""

from __future__ import annotations

from parsers.ce_matrix import TITLED, heading_key
from parsers.label_index import build_index
from parsers.labels import Profile, matches
from parsers.wordml import Cell, Document, Row

_HEAD = "Risk indicator"


def untranspose(doc: Document, profile: Profile) -> None:
    """Rewrite, in place, each run of rows headed by a row naming three indicators or more in its cells after
    the first (a transposed matrix) as one row per column; renumber the rows of the tables changed."""
    rows = doc.rows
    headers = [_header(row, profile) for row in rows]
    if not any(headers):
        return
    out: list[Row] = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if not headers[i]:
            out.append(row)
            i += 1
            continue
        end = i + 1
        below: list[Row] = []  # the level and evidence rows under this header
        nested: dict[int | None, list[Row]] = {}  # what is nested in their cells, by the cell's column
        col = None
        while end < len(rows) and not headers[end]:
            nxt = rows[end]
            if nxt.table == row.table and nxt.depth == row.depth:
                below.append(nxt)
            elif nxt.depth > row.depth:
                col = nxt.within if nxt.depth == row.depth + 1 else col
                nested.setdefault(col, []).append(nxt)
            else:
                break
            end += 1
        out.extend(_turned(row, below, nested))
        i = end
    _renumber(out)
    doc.rows = out


def _header(row: Row, profile: Profile) -> bool:
    """A row whose cells after the first name three indicators or more (most rows: one or two lookups)."""
    cells = row.cells
    if row.table is None or len(cells) < 4:
        return False
    named = 0
    for n, cell in enumerate(cells[1:]):
        if cell.text.strip() and heading_key(cell.text, profile):
            named += 1
            if named >= 3:
                return True
        elif n >= 1 and named == 0:
            return False  # neither of the first two names one: no such row
    return False


def _turned(header: Row, below: list[Row], nested: dict[int | None, list[Row]]) -> list[Row]:
    """The header's columns as rows: "Risk indicator | <each row's label> …", then per column its title and
    that column's cell of every row below, followed by what is nested in that column's cells (an incident log
    pasted into its evidence)."""
    labels = [r.cells[0].text if r.cells else "" for r in below]
    turned = [Row([Cell(_HEAD, 0)] + [Cell(label, n) for n, label in enumerate(labels, 1)], header.table, 0,
                  header.depth)]
    placed: set[int | None] = set()
    for title in header.cells:
        if title is header.cells[0] or not title.text.strip() or title.merged_above:
            continue
        cells = [Cell(title.text, 0, highlighted=title.highlighted)]
        for n, r in enumerate(below, 1):
            value = r.cell_at(title.col)
            if value is not None and value is not r.cells[0] and not value.merged_above:
                cells.append(Cell(value.text, n, highlighted=value.highlighted))
            else:
                cells.append(Cell("", n))
        turned.append(Row(cells, header.table, 0, header.depth))
        for col in [c for c in nested if c is not None and title.col <= c < title.col + title.span]:
            turned.extend(nested[col])
            placed.add(col)
    for col, rows in nested.items():  # in the label column, or a column with no title: after them all
        if col not in placed:
            turned.extend(rows)
    return turned


def _renumber(rows: list[Row]) -> None:
    """Each row's index in its table again (a body paragraph's: its place in the document)."""
    seen: dict[int, int] = {}
    for at, row in enumerate(rows):
        if row.table is None:
            row.index = at
        else:
            row.index = seen.get(row.table, -1) + 1
            seen[row.table] = row.index


def unpair(doc: Document, profile: Profile) -> None:
    """Rewrite, in place, each table with two indicators a row (two rows or more whose first cell and the first
    cell of their right half name two indicators) as one indicator a row: each row's left half, then its right
    half (a heading row whose halves say the same, once); renumber the rows of the tables changed."""
    halves = _paired_tables(doc, profile)
    if not halves:
        return
    out: list[Row] = []
    rows = doc.rows
    i = 0
    while i < len(rows):
        row = rows[i]
        k = halves.get(row.table) if row.table is not None else None
        if k is None or len(row.cells) != 2 * k:
            out.append(row)
            i += 1
            continue
        end = i + 1
        while end < len(rows) and rows[end].depth > row.depth:  # tables nested in its cells
            end += 1
        out.extend(_halves(row, k, rows[i + 1:end]))
        i = end
    _renumber(out)
    doc.rows = out


def _paired_tables(doc: Document, profile: Profile) -> dict[int, int]:
    """Table → the number of cells in each half of its rows, for tables that hold two indicators a row."""
    found: dict[int, tuple[int, int]] = {}  # table → (half, rows seen with two titles)
    for row in doc.rows:
        cells = row.cells
        if row.table is None or len(cells) < 4 or len(cells) % 2:
            continue
        k = len(cells) // 2
        left, right = cells[0].text, cells[k].text
        if not left.strip() or not right.strip() or not (a := _title(left, profile)):
            continue
        b = _title(right, profile)
        if b and b != a:
            half, seen = found.get(row.table, (k, 0))
            if half == k:
                found[row.table] = (k, seen + 1)
    return {table: k for table, (k, seen) in found.items() if seen >= 2}


def _title(text: str, profile: Profile) -> str | None:
    """The indicator a cell names, or the cell itself if it says it is one ("3. Risk Indicator - Education and
    attendance": reworded)."""
    found = heading_key(text, profile)
    return found[0] if found else text.strip() if TITLED.match(text) else None


def _halves(row: Row, k: int, nested: list[Row]) -> list[Row]:
    """A row's left half, what is nested in it, then its right half (its cells' columns from 0) and what is
    nested there; the right half only if it holds anything and says something else than the left."""
    left, right = row.cells[:k], row.cells[k:]
    start = right[0].col
    moved = [Cell(c.text, c.col - start, c.span, c.merged_above, c.highlighted) for c in right]
    groups = _nested_groups(nested, row.depth)  # (a table nested deeper goes with the one it is in)
    inner = [r for col, group in groups if col is None or col < start for r in group]
    outer = [r for col, group in groups if col is not None and col >= start for r in group]
    for r in outer:
        if r.depth == row.depth + 1:
            r.within = r.within - start  # type: ignore[operator]
    out = [Row(left, row.table, 0, row.depth, row.within), *inner]
    said = [_words(c.text) for c in left]
    if any(c.text.strip() for c in right) and [_words(c.text) for c in right] != said:
        out.append(Row(moved, row.table, 0, row.depth, row.within))
    return out + outer


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def unstack(doc: Document, profile: Profile) -> bool:
    """Rewrite, in place, each card of an indicator's labels over its values (a row of a table holding the
    level's and the evidence's labels and nothing else, the rest of the table their values, nothing nested) as a
    row per label: "label | its column's values". Run on a document recognised as a CE Matrix (its label index
    finds the cards' evidence labels); returns whether anything changed (the caller's index is then stale)."""
    level, evidence = profile.fields.get("level"), profile.fields.get("evidence")
    if level is None or evidence is None:
        return False
    rows = doc.rows
    index = doc.index if doc.index is not None else build_index(doc)  # (detection built it: the cells labels lead)
    cards = sorted({i for form in index.keys() & evidence.forms for i, _ in index[form]
                    if rows[i].table is not None and 2 <= len(rows[i].cells) <= 6
                    and _labels_over_values(rows[i], level, evidence)})
    if not cards:
        return False
    out: list[Row] = []
    i = 0
    for at in cards:
        if at < i:
            continue  # (inside a card already rewritten)
        out.extend(rows[i:at])
        row = rows[at]
        end = at + 1
        while end < len(rows) and ((rows[end].table == row.table and rows[end].depth == row.depth)
                                   or rows[end].depth > row.depth):
            end += 1
        below = [r for r in rows[at + 1:end] if r.depth == row.depth]
        if not below or not _one_level(row, below, level):
            out.append(row)
            i = at + 1
            continue
        out.extend(_label_rows(row, below, [r for r in rows[at + 1:end] if r.depth > row.depth]))
        i = end
    out.extend(rows[i:])
    _renumber(out)
    doc.rows = out
    return True


def _label_rows(row: Row, below: list[Row], nested: list[Row]) -> list[Row]:
    """A card's labels as "label | its column's values" rows; a log pasted into a value's cell follows that value."""
    out: list[Row] = []
    groups = _nested_groups(nested, row.depth)
    labels = [c for c in row.cells if c.text.strip()]
    for n, label in enumerate(labels):
        values = [v.text for r in below if (v := r.cell_at(label.col)) is not None and not v.merged_above]
        out.append(Row([Cell(label.text, 0), Cell("\n".join(t for t in values if t.strip()), 1)], row.table, n,
                       row.depth, row.within))
        mine = [group for col, group in groups
                if n == len(labels) - 1 or (col is not None and label.col <= col < label.col + label.span)]
        for group in mine:
            out.extend(group)
            group[0].within = 1  # in the value's cell, now the second
        groups = [(col, group) for col, group in groups if not any(group is m for m in mine)]
    return out


def _labels_over_values(row: Row, level, evidence) -> bool:  # type: ignore[no-untyped-def]
    """A row of two to four filled cells, each the level's or the evidence's label, both there."""
    labels = [c.text for c in row.cells if c.text.strip()]
    if not 2 <= len(labels) <= 4 or any("\n" in text.strip() for text in labels):
        return False
    evidences = [matches(text, evidence) for text in labels]
    levels = [matches(text, level) for text in labels]
    return any(evidences) and any(levels) and all(e or lv for e, lv in zip(evidences, levels))


def _one_level(labels: Row, below: list[Row], level) -> bool:  # type: ignore[no-untyped-def]
    """One indicator's values under the labels: the level's column filled in one row at most (the evidence may
    run on over more)."""
    cols = [c.col for c in labels.cells if c.text.strip() and matches(c.text, level)]
    return sum(1 for r in below if any((v := r.cell_at(col)) is not None and v.text.strip() for col in cols)) <= 1


def _nested_groups(nested: list[Row], depth: int) -> list[tuple[int | None, list[Row]]]:
    """Rows nested in a table's cells, by the table or paragraph each starts (a row one level deeper) with what is
    nested deeper in it: (the column of the cell it sits in, its rows)."""
    groups: list[tuple[int | None, list[Row]]] = []
    for r in nested:
        if r.depth == depth + 1 or not groups:
            groups.append((r.within, [r]))
        else:
            groups[-1][1].append(r)
    return groups
